; prog_type: kprobe
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: the bpf_for pattern in a kprobe
; kernel: accept
r1 = r10
r1 += -8
r2 = 0
r3 = 10
call kfunc#0
loop:
r1 = r10
r1 += -8
call kfunc#1
if r0 == 0 goto done
r6 = *(u32 *)(r0 + 0)
goto loop
done:
r1 = r10
r1 += -8
call kfunc#2
r0 = 0
exit
