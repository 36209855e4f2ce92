; prog_type: perf_event
; what: a perf_event program reads sample_period (offset 168)
; kernel: accept
r2 = *(u64 *)(r1 + 168)
r0 = 0
exit
