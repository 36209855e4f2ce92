; prog_type: cgroup_skb
; what: cgroup_skb returning 0 or 1 from two paths
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r0 = 0
if r2 == 0 goto out
r0 = 1
out:
exit
