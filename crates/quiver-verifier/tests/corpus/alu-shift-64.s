; prog_type: socket_filter
; what: a 64-bit shift by 64
; kernel: reject
; kernel-error: invalid shift 64
r0 = 1
r0 <<= 64
exit
