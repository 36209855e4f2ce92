; prog_type: socket_filter
; kfuncs: bpf_preempt_disable, bpf_preempt_enable
; what: bpf_preempt_disable without the enable
; kernel: reject
; kernel-error: BPF_EXIT instruction in main prog cannot be used inside bpf_preempt_disable-ed region
call kfunc#0
r0 = 0
exit
