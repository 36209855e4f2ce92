; prog_type: cgroup_skb
; what: cgroup_skb returning len & 1
; kernel: accept
r0 = *(u32 *)(r1 + 0)
r0 &= 1
exit
