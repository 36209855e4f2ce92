; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: bpf_iter_num_new without setting its end argument (r3)
; kernel: reject
; kernel-error: R3 is not a scalar
r1 = r10
r1 += -8
r2 = 0
call kfunc#0
r1 = r10
r1 += -8
call kfunc#2
r0 = 0
exit
