; prog_type: socket_filter
; kfuncs: bpf_copy_from_user_str
; what: bpf_copy_from_user_str (a sleepable kfunc) from a socket filter
; kernel: reject
; kernel-error: program must be sleepable to call sleepable kfunc bpf_copy_from_user_str
r1 = r10
r1 += -16
r2 = 16
r3 = 0
r4 = 0
call kfunc#0
r0 = 0
exit
