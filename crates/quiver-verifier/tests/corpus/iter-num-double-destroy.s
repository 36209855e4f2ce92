; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: bpf_iter_num_destroy twice
; kernel: reject
; kernel-error: expected an initialized iter_num as arg #0
r1 = r10
r1 += -8
r2 = 0
r3 = 10
call kfunc#0
r1 = r10
r1 += -8
call kfunc#2
r1 = r10
r1 += -8
call kfunc#2
r0 = 0
exit
