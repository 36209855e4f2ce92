; prog_type: socket_filter
; what: an 8-byte read of a slot with only 4 bytes written (privileged: the rest reads as unknown)
; kernel: accept
*(u32 *)(r10 - 8) = 1
r0 = *(u64 *)(r10 - 8)
r0 = 0
exit
