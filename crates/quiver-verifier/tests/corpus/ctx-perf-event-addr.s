; prog_type: perf_event
; what: a perf_event program reads addr (offset 176)
; kernel: accept
r2 = *(u64 *)(r1 + 176)
r0 = 0
exit
