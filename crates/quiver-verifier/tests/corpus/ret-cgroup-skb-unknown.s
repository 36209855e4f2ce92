; prog_type: cgroup_skb
; what: cgroup_skb returning len, unbounded
; kernel: reject
; kernel-error: At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]
r0 = *(u32 *)(r1 + 0)
exit
