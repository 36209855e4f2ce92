; prog_type: raw_tracepoint
; what: a raw tracepoint reads args[11], the last of its 12 slots
; kernel: accept
r2 = *(u64 *)(r1 + 88)
r0 = 0
exit
