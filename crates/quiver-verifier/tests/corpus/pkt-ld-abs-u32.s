; prog_type: sched_cls
; what: a legacy LD_ABS 4-byte load from a tc program
; kernel: accept
r6 = r1
r0 = *(u32 *)skb[12]
r0 = 0
exit
