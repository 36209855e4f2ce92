; prog_type: sched_cls
; what: a 2-byte read of __sk_buff.data
; kernel: reject
; kernel-error: invalid bpf_context access off=76 size=2
r2 = *(u16 *)(r1 + 76)
r0 = 0
exit
