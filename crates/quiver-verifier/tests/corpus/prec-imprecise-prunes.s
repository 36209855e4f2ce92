; prog_type: socket_filter
; maps: values=array:4:8:1
; what: r7 is 0 or 100 at the join but is only stored into the map value: nothing depends on its value, so the second path is pruned at the join and the program is safe
; kernel: accept
r6 = r1
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r9 = r0
r0 = *(u32 *)(r6 + 0)
r7 = 0
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
r7 = 100
join:
*(u64 *)(r9 + 0) = r7
out:
r0 = 0
exit
