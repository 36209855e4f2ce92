; prog_type: socket_filter
; what: a stack slot written then read back
; kernel: accept
*(u64 *)(r10 - 8) = 1
r0 = *(u64 *)(r10 - 8)
exit
