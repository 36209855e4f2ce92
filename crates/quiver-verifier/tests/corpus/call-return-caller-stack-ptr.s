; prog_type: socket_filter
; what: a subprogram returning the caller's stack pointer it was given; the caller writes through it
; kernel: reject
; kernel-error: cannot return stack pointer to the caller
r1 = r10
r1 += -8
call sub
*(u64 *)(r0 + 0) = 1
r0 = *(u64 *)(r10 - 8)
exit
sub:
r0 = r1
exit
