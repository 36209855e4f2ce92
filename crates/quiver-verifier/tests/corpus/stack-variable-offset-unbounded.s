; prog_type: socket_filter
; what: a store at an unbounded variable stack offset
; kernel: reject
; kernel-error: invalid unbounded variable-offset write to stack R3
r2 = *(u32 *)(r1 + 0)
r3 = r10
r3 += r2
*(u8 *)(r3 + 0) = 0
r0 = 0
exit
