; prog_type: socket_filter
; what: a 4-byte fill of a spilled pointer is a scalar, not a pointer
; kernel: reject
; kernel-error: invalid size of register fill
*(u64 *)(r10 - 8) = r1
r2 = *(u32 *)(r10 - 8)
r0 = *(u32 *)(r2 + 0)
exit
