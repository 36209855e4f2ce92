; prog_type: sched_cls
; what: a 1-byte read of __sk_buff.len
; kernel: accept
r2 = *(u8 *)(r1 + 0)
r0 = 0
exit
