; prog_type: raw_tracepoint
; what: a raw tracepoint reads 4 bytes of args[0]
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r0 = 0
exit
