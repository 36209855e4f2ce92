; prog_type: sched_cls
; what: a 1-byte read of the last byte of __sk_buff.len (offset 3)
; kernel: accept
r2 = *(u8 *)(r1 + 3)
r0 = 0
exit
