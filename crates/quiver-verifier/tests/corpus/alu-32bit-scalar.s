; prog_type: socket_filter
; what: 32-bit arithmetic on scalars
; kernel: accept
w0 = 1
w0 += 2
w0 *= 3
exit
