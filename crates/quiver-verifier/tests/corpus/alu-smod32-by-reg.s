; prog_type: socket_filter
; what: 32-bit signed modulo by a register that may be zero is allowed
; kernel: accept
w0 = *(u32 *)(r1 + 0)
w2 = *(u32 *)(r1 + 4)
w0 s%= w2
exit
