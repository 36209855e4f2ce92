; prog_type: socket_filter
; what: a byte store at r10-1, the highest stack byte
; kernel: accept
*(u8 *)(r10 - 1) = 7
r0 = *(u8 *)(r10 - 1)
exit
