; prog_type: raw_tracepoint
; what: a raw tracepoint reads past its 12 argument slots (offset 96)
; kernel: reject
; kernel-error: invalid bpf_context access off=96 size=8
r2 = *(u64 *)(r1 + 96)
r0 = 0
exit
