; prog_type: xdp
; what: an 8-byte load of xdp_md.data
; kernel: reject
; kernel-error: invalid bpf_context access off=0 size=8
r2 = *(u64 *)(r1 + 0)
r0 = 2
exit
