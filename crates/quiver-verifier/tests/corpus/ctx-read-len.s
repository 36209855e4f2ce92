; prog_type: socket_filter
; what: __sk_buff.len is readable
; kernel: accept
r0 = *(u32 *)(r1 + 0)
exit
