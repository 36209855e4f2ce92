; prog_type: cgroup_skb
; what: a cgroup_skb program writes __sk_buff.tc_classid
; kernel: reject
; kernel-error: invalid bpf_context access off=72 size=4
r2 = 1
*(u32 *)(r1 + 72) = r2
r0 = 1
exit
