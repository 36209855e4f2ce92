; prog_type: socket_filter
; what: 32-bit division by the immediate 0
; kernel: reject
; kernel-error: div by zero
w0 = 5
w0 /= 0
exit
