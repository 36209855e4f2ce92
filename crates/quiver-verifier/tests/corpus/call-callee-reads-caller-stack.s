; prog_type: socket_filter
; what: a callee reads the caller's stack slot through a pointer it was given
; kernel: accept
*(u64 *)(r10 - 8) = 7
r1 = r10
r1 += -8
call sub
exit
sub:
r0 = *(u64 *)(r1 + 0)
exit
