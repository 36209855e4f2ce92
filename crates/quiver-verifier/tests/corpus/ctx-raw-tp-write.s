; prog_type: raw_tracepoint
; what: a raw tracepoint writes args[0]
; kernel: reject
; kernel-error: invalid bpf_context access off=0 size=8
r2 = 0
*(u64 *)(r1 + 0) = r2
r0 = 0
exit
