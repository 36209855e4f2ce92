; prog_type: socket_filter
; what: a jump before the first instruction
; kernel: reject
; kernel-error: jump out of range from insn 1 to -1
r0 = 0
goto -3
exit
