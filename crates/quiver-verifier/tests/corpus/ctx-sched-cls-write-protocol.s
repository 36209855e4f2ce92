; prog_type: sched_cls
; what: a tc program writes __sk_buff.protocol, which is read-only
; kernel: reject
; kernel-error: invalid bpf_context access off=16 size=4
r2 = 1
*(u32 *)(r1 + 16) = r2
r0 = 0
exit
