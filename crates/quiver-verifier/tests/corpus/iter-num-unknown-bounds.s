; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: bpf_iter_num_new with start and end from ctx (checked at run time)
; kernel: accept
r6 = *(u32 *)(r1 + 0)
r1 = r10
r1 += -8
r2 = 0
r3 = r6
call kfunc#0
loop:
r1 = r10
r1 += -8
call kfunc#1
if r0 == 0 goto done
goto loop
done:
r1 = r10
r1 += -8
call kfunc#2
r0 = 0
exit
