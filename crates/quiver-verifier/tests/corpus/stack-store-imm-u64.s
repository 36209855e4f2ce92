; prog_type: socket_filter
; what: an 8-byte immediate store then an 8-byte read
; kernel: accept
*(u64 *)(r10 - 16) = -1
r0 = *(u64 *)(r10 - 16)
r0 &= 1
exit
