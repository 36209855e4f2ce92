; prog_type: raw_tracepoint
; what: a raw tracepoint may return any value
; kernel: accept
r0 = 7
exit
