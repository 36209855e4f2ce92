; prog_type: socket_filter
; what: division by a register that may be zero is allowed (yields 0)
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r0 = 100
r0 /= r2
exit
