; prog_type: socket_filter
; what: signed division by a register that may be zero is allowed
; kernel: accept
r0 = *(u32 *)(r1 + 0)
r2 = *(u32 *)(r1 + 4)
r0 s/= r2
exit
