; prog_type: tracepoint
; what: a tracepoint writes its record
; kernel: reject
; kernel-error: invalid bpf_context access off=8 size=8
r2 = 0
*(u64 *)(r1 + 8) = r2
r0 = 0
exit
