; prog_type: socket_filter
; what: a shift by the immediate -1
; kernel: reject
; kernel-error: invalid shift -1
r0 = 1
r0 <<= -1
exit
