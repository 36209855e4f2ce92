; prog_type: socket_filter
; what: a may_goto whose target is itself (offset -1)
; kernel: reject
; kernel-error: infinite loop detected at insn 1
r0 = 0
may_goto -1
exit
