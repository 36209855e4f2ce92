; prog_type: socket_filter
; kfuncs: bpf_preempt_disable, bpf_preempt_enable
; what: bpf_preempt_enable without a disable
; kernel: reject
; kernel-error: unmatched attempt to enable preemption (kernel function bpf_preempt_enable)
call kfunc#1
r0 = 0
exit
