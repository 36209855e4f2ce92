; prog_type: sched_cls
; what: a tc program reads __sk_buff.sk, a socket pointer or NULL
; kernel: accept
r2 = *(u64 *)(r1 + 168)
r0 = 0
exit
