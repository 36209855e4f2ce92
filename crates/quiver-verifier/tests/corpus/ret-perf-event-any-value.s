; prog_type: perf_event
; what: a perf_event program may return any value
; kernel: accept
r0 = 7
exit
