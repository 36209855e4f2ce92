; prog_type: socket_filter
; what: __sk_buff.len is read-only
; kernel: reject
; kernel-error: invalid bpf_context access off=0 size=4
r2 = 0
*(u32 *)(r1 + 0) = r2
r0 = 0
exit
