; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: the element bpf_iter_num_next returns is read without the NULL check
; kernel: reject
; kernel-error: R0 invalid mem access 'scalar'
r1 = r10
r1 += -8
r2 = 0
r3 = 10
call kfunc#0
r1 = r10
r1 += -8
call kfunc#1
r6 = *(u32 *)(r0 + 0)
r1 = r10
r1 += -8
call kfunc#2
r0 = 0
exit
