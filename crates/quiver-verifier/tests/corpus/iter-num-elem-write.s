; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: writing through the element pointer bpf_iter_num_next returns (read-only memory)
; kernel: reject
; kernel-error: R0 cannot write into rdonly_mem
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
*(u32 *)(r0 + 0) = 1
goto loop
done:
r1 = r10
r1 += -8
call kfunc#2
r0 = 0
exit
