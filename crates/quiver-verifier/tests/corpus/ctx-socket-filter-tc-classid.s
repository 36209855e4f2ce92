; prog_type: socket_filter
; what: a socket filter reads __sk_buff.tc_classid
; kernel: reject
; kernel-error: invalid bpf_context access off=72 size=4
r2 = *(u32 *)(r1 + 72)
r0 = 0
exit
