; prog_type: socket_filter
; what: two 4-byte stores then an 8-byte read of the slot
; kernel: accept
*(u32 *)(r10 - 8) = 1
*(u32 *)(r10 - 4) = 2
r0 = *(u64 *)(r10 - 8)
r0 &= 1
exit
