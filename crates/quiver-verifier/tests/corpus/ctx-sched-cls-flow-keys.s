; prog_type: sched_cls
; what: tc programs cannot read __sk_buff.flow_keys
; kernel: reject
; kernel-error: invalid bpf_context access off=144 size=8
r2 = *(u64 *)(r1 + 144)
r0 = 0
exit
