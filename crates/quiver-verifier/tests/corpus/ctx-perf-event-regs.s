; prog_type: perf_event
; what: a perf_event program reads regs.ip (offset 128)
; kernel: accept
r2 = *(u64 *)(r1 + 128)
r0 = 0
exit
