; prog_type: raw_tracepoint
; what: a raw tracepoint reads args[0]
; kernel: accept
r2 = *(u64 *)(r1 + 0)
r0 = 0
exit
