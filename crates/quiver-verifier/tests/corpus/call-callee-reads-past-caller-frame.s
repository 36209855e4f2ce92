; prog_type: socket_filter
; what: a callee reads 8 bytes past the top of the caller's frame through a pointer it was given
; kernel: reject
; kernel-error: invalid read from stack R1 off=0 size=8
*(u64 *)(r10 - 8) = 0
r1 = r10
r1 += -8
call sub
r0 = 0
exit
sub:
r0 = *(u64 *)(r1 + 8)
exit
