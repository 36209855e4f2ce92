; prog_type: xdp
; what: xdp_md.ingress_ifindex is readable
; kernel: accept
r0 = *(u32 *)(r1 + 12)
r0 = 2
exit
