; prog_type: sched_cls
; what: a tc program reads __sk_buff.tstamp (8 bytes at 152)
; kernel: accept
r2 = *(u64 *)(r1 + 152)
r0 = 0
exit
