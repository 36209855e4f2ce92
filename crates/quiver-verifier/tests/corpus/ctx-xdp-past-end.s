; prog_type: xdp
; what: an xdp_md read at offset 24, past the struct
; kernel: reject
; kernel-error: invalid bpf_context access off=24 size=4
r2 = *(u32 *)(r1 + 24)
r0 = 2
exit
