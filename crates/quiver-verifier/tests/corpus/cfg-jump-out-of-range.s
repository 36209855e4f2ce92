; prog_type: socket_filter
; what: a jump past the end of the program
; kernel: reject
; kernel-error: jump out of range from insn 1 to 7
r0 = 0
goto +5
exit
