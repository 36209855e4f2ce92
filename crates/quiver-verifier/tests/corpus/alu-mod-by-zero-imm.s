; prog_type: socket_filter
; what: modulo by the immediate 0
; kernel: reject
; kernel-error: div by zero
r0 = 5
r0 %= 0
exit
