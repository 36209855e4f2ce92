; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: reading 8 bytes through the 4-byte element pointer bpf_iter_num_next returns
; kernel: reject
; kernel-error: invalid access to memory, mem_size=4 off=0 size=8
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
r6 = *(u64 *)(r0 + 0)
goto loop
done:
r1 = r10
r1 += -8
call kfunc#2
r0 = 0
exit
