; prog_type: perf_event
; what: a perf_event program writes sample_period
; kernel: reject
; kernel-error: invalid bpf_context access off=168 size=8
r2 = 0
*(u64 *)(r1 + 168) = r2
r0 = 0
exit
