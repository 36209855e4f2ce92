; prog_type: tracepoint
; what: a tracepoint reads at offset 4096, inside the 8192-byte PERF_MAX_TRACE_SIZE window
; kernel: accept
r2 = *(u64 *)(r1 + 4096)
r0 = 0
exit
