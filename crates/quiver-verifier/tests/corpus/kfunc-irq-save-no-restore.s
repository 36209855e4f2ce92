; prog_type: socket_filter
; kfuncs: bpf_local_irq_save, bpf_local_irq_restore
; what: bpf_local_irq_save without the restore
; kernel: reject
; kernel-error: BPF_EXIT instruction in main prog cannot be used inside bpf_local_irq_save-ed region
r1 = r10
r1 += -8
call kfunc#0
r0 = 0
exit
