; prog_type: socket_filter
; kfuncs: bpf_local_irq_save, bpf_local_irq_restore
; what: bpf_local_irq_save then bpf_local_irq_restore with the flags on the stack
; kernel: accept
r1 = r10
r1 += -8
call kfunc#0
r1 = r10
r1 += -8
call kfunc#1
r0 = 0
exit
