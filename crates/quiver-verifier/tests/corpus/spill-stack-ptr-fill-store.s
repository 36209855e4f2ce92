; prog_type: socket_filter
; what: a stack pointer spilled and filled can be stored through
; kernel: accept
r1 = r10
r1 += -16
*(u64 *)(r10 - 8) = r1
r2 = *(u64 *)(r10 - 8)
*(u64 *)(r2 + 0) = 1
r0 = *(u64 *)(r10 - 16)
exit
