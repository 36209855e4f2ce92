; prog_type: socket_filter
; what: division by the immediate 0
; kernel: reject
; kernel-error: div by zero
r0 = 100
r0 /= 0
exit
