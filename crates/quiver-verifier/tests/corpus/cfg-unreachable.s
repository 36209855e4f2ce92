; prog_type: socket_filter
; what: instructions after the exit that nothing jumps to
; kernel: reject
; kernel-error: unreachable insn 2
r0 = 0
exit
r0 = 1
exit
