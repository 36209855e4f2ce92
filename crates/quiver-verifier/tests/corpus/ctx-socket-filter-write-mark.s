; prog_type: socket_filter
; what: a socket filter writes __sk_buff.mark
; kernel: reject
; kernel-error: invalid bpf_context access off=8 size=4
r2 = 1
*(u32 *)(r1 + 8) = r2
r0 = 0
exit
