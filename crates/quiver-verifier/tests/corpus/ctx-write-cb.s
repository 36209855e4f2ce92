; prog_type: socket_filter
; what: __sk_buff.cb[0] is writable from a socket filter
; kernel: accept
r2 = 1
*(u32 *)(r1 + 48) = r2
r0 = 0
exit
