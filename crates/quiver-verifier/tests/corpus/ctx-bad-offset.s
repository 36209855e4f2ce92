; prog_type: socket_filter
; what: a ctx load past the end of __sk_buff
; kernel: reject
; kernel-error: invalid bpf_context access off=200 size=4
r0 = *(u32 *)(r1 + 200)
exit
