; prog_type: perf_event
; what: a perf_event program reads at offset 184, past the struct
; kernel: reject
; kernel-error: invalid bpf_context access off=184 size=8
r2 = *(u64 *)(r1 + 184)
r0 = 0
exit
