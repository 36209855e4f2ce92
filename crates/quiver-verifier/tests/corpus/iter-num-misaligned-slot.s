; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: an iterator at r10-12, not 8-byte aligned
; kernel: reject
; kernel-error: expected uninitialized iter_num as arg #0
r1 = r10
r1 += -12
r2 = 0
r3 = 10
call kfunc#0
r1 = r10
r1 += -12
call kfunc#2
r0 = 0
exit
