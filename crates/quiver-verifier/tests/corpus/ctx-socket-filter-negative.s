; prog_type: socket_filter
; what: a ctx read at offset -4
; kernel: reject
; kernel-error: invalid bpf_context access off=-4 size=4
r2 = *(u32 *)(r1 - 4)
r0 = 0
exit
