; prog_type: socket_filter
; what: a socket filter may return an unknown value
; kernel: accept
r0 = *(u32 *)(r1 + 0)
exit
