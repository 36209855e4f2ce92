; prog_type: socket_filter
; what: a scalar plus the stack pointer is a stack pointer
; kernel: accept
r2 = -8
r2 += r10
*(u64 *)(r2 + 0) = 1
r0 = *(u64 *)(r10 - 8)
exit
