; prog_type: cgroup_skb
; what: cgroup_skb programs may read the packet directly after the data_end check
; kernel: accept
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 1
if r4 > r3 goto out
r0 = *(u8 *)(r2 + 0)
out:
r0 = 1
exit
