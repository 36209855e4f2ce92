; prog_type: kprobe
; what: a 4-byte read of the low half of pt_regs->di
; kernel: accept
r2 = *(u32 *)(r1 + 112)
r0 = 0
exit
