; prog_type: xdp
; what: xdp_md.egress_ifindex is readable only by devmap programs
; kernel: reject
; kernel-error: invalid bpf_context access off=20 size=4
r2 = *(u32 *)(r1 + 20)
r0 = 2
exit
