; prog_type: sched_cls
; what: a 4-byte read of __sk_buff.tstamp
; kernel: reject
; kernel-error: invalid bpf_context access off=152 size=4
r2 = *(u32 *)(r1 + 152)
r0 = 0
exit
