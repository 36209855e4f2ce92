; prog_type: cgroup_skb
; what: cgroup_skb returning a value checked to be < 2
; kernel: accept
r0 = *(u32 *)(r1 + 0)
if r0 < 2 goto out
r0 = 0
out:
exit
