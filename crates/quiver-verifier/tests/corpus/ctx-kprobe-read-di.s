; prog_type: kprobe
; what: a kprobe reads pt_regs->di (offset 112)
; kernel: accept
r2 = *(u64 *)(r1 + 112)
r0 = 0
exit
