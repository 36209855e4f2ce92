; prog_type: socket_filter
; what: an 8-byte store at r10-16 plus a variable offset of 0 or 8 stays inside the stack and aligned
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r2 &= 8
r3 = r10
r3 += -16
r3 += r2
*(u64 *)(r3 + 0) = 0
r0 = 0
exit
