; prog_type: cgroup_skb
; what: r7 is 1 or 5 at the join and becomes the return value, which a cgroup_skb program must keep in [0, 1]: the exit check makes r7 precise
; kernel: reject
; kernel-error: At program exit the register R0 has smin=5 smax=5 should have been in [0, 1]
r6 = r1
r0 = *(u32 *)(r6 + 0)
r7 = 1
if r0 > 10 goto other
r8 = 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
goto join
other:
r7 = 5
join:
r0 = r7
exit
