; prog_type: socket_filter
; what: a 64-bit shift by 63, the largest valid amount
; kernel: accept
r0 = 1
r0 <<= 63
r0 >>= 63
exit
