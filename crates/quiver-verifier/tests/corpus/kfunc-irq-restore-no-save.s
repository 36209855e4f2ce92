; prog_type: socket_filter
; kfuncs: bpf_local_irq_save, bpf_local_irq_restore
; what: bpf_local_irq_restore with flags never saved
; kernel: reject
; kernel-error: expected an initialized irq flag as arg#0
*(u64 *)(r10 - 8) = 0
r1 = r10
r1 += -8
call kfunc#1
r0 = 0
exit
