; prog_type: tracepoint
; what: a tracepoint reads the last 8 bytes below PERF_MAX_TRACE_SIZE (offset 8184)
; kernel: accept
r2 = *(u64 *)(r1 + 8184)
r0 = 0
exit
