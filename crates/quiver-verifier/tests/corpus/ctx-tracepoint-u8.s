; prog_type: tracepoint
; what: a tracepoint reads a single byte of its record
; kernel: accept
r2 = *(u8 *)(r1 + 9)
r0 = 0
exit
