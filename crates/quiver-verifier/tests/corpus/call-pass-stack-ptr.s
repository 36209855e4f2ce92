; prog_type: socket_filter
; what: a callee writing through the caller's stack pointer
; kernel: accept
r1 = r10
r1 += -8
call sub
r0 = *(u64 *)(r10 - 8)
exit
sub:
*(u64 *)(r1 + 0) = 0
r0 = 0
exit
