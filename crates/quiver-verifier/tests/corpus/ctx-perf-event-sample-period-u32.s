; prog_type: perf_event
; what: a 4-byte read of sample_period
; kernel: accept
r2 = *(u32 *)(r1 + 168)
r0 = 0
exit
