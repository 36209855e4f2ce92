; prog_type: tracepoint
; what: a tracepoint reads 8 bytes at offset 8 of its record
; kernel: accept
r2 = *(u64 *)(r1 + 8)
r0 = 0
exit
