; prog_type: cgroup_skb
; what: a cgroup_skb program reads __sk_buff.len
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r0 = 1
exit
