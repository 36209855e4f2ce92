; prog_type: socket_filter
; what: a 32-bit move of a stack pointer
; kernel: accept
w2 = w10
r0 = 0
exit
