; prog_type: socket_filter
; kfuncs: bpf_preempt_disable, bpf_preempt_enable
; what: bpf_preempt_disable then bpf_preempt_enable
; kernel: accept
call kfunc#0
call kfunc#1
r0 = 0
exit
