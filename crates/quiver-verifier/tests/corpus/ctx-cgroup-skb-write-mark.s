; prog_type: cgroup_skb
; what: a cgroup_skb program writes __sk_buff.mark
; kernel: accept
r2 = 1
*(u32 *)(r1 + 8) = r2
r0 = 1
exit
