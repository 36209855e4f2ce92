; prog_type: socket_filter
; what: an immediate store (BPF_ST) into __sk_buff.cb[0]
; kernel: accept
*(u32 *)(r1 + 48) = 1
r0 = 0
exit
