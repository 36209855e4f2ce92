; prog_type: cgroup_skb
; what: a cgroup_skb program reads __sk_buff.tc_index
; kernel: accept
r2 = *(u32 *)(r1 + 44)
r0 = 1
exit
