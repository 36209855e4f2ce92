; prog_type: socket_filter
; what: the lowest byte of the 512-byte stack, r10-512, is written and read back
; kernel: accept
*(u8 *)(r10 - 512) = 7
r0 = *(u8 *)(r10 - 512)
exit
