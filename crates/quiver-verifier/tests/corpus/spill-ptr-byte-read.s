; prog_type: socket_filter
; what: a 1-byte read of a spilled pointer
; kernel: reject
; kernel-error: invalid size of register fill
*(u64 *)(r10 - 8) = r1
r0 = *(u8 *)(r10 - 8)
exit
