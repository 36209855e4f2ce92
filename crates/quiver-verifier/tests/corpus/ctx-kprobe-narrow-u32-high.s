; prog_type: kprobe
; what: a 4-byte read of the high half of pt_regs->di (offset 116)
; kernel: accept
r2 = *(u32 *)(r1 + 116)
r0 = 0
exit
