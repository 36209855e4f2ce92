; prog_type: xdp
; what: xdp_md.ingress_ifindex is read-only
; kernel: reject
; kernel-error: invalid bpf_context access off=12 size=4
r2 = 1
*(u32 *)(r1 + 12) = r2
r0 = 2
exit
