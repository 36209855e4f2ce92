; prog_type: xdp
; what: a 2-byte read of xdp_md.ingress_ifindex
; kernel: reject
; kernel-error: invalid bpf_context access off=12 size=2
r2 = *(u16 *)(r1 + 12)
r0 = 2
exit
