; prog_type: socket_filter
; what: the lowest 8 bytes of the 512-byte stack are writable
; kernel: accept
*(u64 *)(r10 - 512) = 0
r0 = 0
exit
