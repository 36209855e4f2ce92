; prog_type: xdp
; what: a copy of the ctx pointer in r6 reads xdp_md fields
; kernel: accept
r6 = r1
r0 = *(u32 *)(r6 + 12)
r0 = 2
exit
