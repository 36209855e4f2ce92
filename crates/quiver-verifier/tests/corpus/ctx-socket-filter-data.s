; prog_type: socket_filter
; what: socket filters cannot read __sk_buff.data
; kernel: reject
; kernel-error: invalid bpf_context access off=76 size=4
r0 = *(u32 *)(r1 + 76)
exit
