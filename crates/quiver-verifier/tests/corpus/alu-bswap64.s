; prog_type: socket_filter
; what: a 64-bit byte swap (cpu v4)
; kernel: accept
r0 = 1
r0 = bswap64 r0
r0 = 0
exit
