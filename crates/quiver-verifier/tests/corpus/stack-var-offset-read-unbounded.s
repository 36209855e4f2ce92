; prog_type: socket_filter
; what: a read at an unbounded variable stack offset
; kernel: reject
; kernel-error: invalid unbounded variable-offset read from stack R3
*(u64 *)(r10 - 8) = 0
r2 = *(u32 *)(r1 + 0)
r3 = r10
r3 += -8
r3 += r2
r0 = *(u8 *)(r3 + 0)
r0 = 0
exit
