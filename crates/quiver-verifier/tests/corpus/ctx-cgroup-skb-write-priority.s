; prog_type: cgroup_skb
; what: a cgroup_skb program writes __sk_buff.priority
; kernel: accept
r2 = 1
*(u32 *)(r1 + 32) = r2
r0 = 1
exit
