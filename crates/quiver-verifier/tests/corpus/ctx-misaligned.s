; prog_type: socket_filter
; what: a 4-byte ctx load at offset 1
; kernel: reject
; kernel-error: invalid bpf_context access off=1 size=4
r0 = *(u32 *)(r1 + 1)
exit
