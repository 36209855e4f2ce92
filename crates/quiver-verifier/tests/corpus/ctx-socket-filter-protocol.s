; prog_type: socket_filter
; what: a socket filter reads __sk_buff.protocol
; kernel: accept
r2 = *(u32 *)(r1 + 16)
r0 = 0
exit
