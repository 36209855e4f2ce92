; prog_type: xdp
; what: xdp_md.data is read-only
; kernel: reject
; kernel-error: invalid bpf_context access off=0 size=4
r2 = 0
*(u32 *)(r1 + 0) = r2
r0 = 2
exit
