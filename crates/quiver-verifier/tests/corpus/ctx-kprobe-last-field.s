; prog_type: kprobe
; what: a kprobe reads pt_regs->ss, the last 8 bytes (offset 160)
; kernel: accept
r2 = *(u64 *)(r1 + 160)
r0 = 0
exit
