; prog_type: tracepoint
; what: a tracepoint reads at offset 8192, past PERF_MAX_TRACE_SIZE
; kernel: reject
; kernel-error: invalid bpf_context access off=8192 size=8
r2 = *(u64 *)(r1 + 8192)
r0 = 0
exit
