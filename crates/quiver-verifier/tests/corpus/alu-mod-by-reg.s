; prog_type: socket_filter
; what: modulo by a register that may be zero is allowed
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r0 = 100
r0 %= r2
exit
