; prog_type: sched_cls
; what: a tc program writes __sk_buff.tc_classid
; kernel: accept
r2 = 1
*(u32 *)(r1 + 72) = r2
r0 = 0
exit
