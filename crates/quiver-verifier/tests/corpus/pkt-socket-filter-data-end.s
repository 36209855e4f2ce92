; prog_type: socket_filter
; what: socket filters cannot read __sk_buff.data_end
; kernel: reject
; kernel-error: invalid bpf_context access off=80 size=4
r3 = *(u32 *)(r1 + 80)
r0 = 0
exit
