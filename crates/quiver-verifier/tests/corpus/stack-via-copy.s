; prog_type: socket_filter
; what: stack access through a copy of r10 with a constant offset
; kernel: accept
r1 = r10
r1 += -16
*(u64 *)(r1 + 0) = 3
r0 = *(u64 *)(r10 - 16)
exit
