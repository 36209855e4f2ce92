; prog_type: sched_cls
; what: a 2-byte read of __sk_buff.protocol
; kernel: accept
r2 = *(u16 *)(r1 + 16)
r0 = 0
exit
