; prog_type: socket_filter
; what: a socket filter writes __sk_buff.cb[4], the last cb word
; kernel: accept
r2 = 1
*(u32 *)(r1 + 64) = r2
r0 = 0
exit
