; prog_type: socket_filter
; maps: values=array:4:8:1
; what: r7 is 0 on the first path and 100 on the second when they join; only after the join is it added to a map value pointer, so the join's stored state must keep r7 precise
; kernel: reject
; kernel-error: invalid access to map value, value_size=8 off=100 size=1
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
r9 += r7
r0 = *(u8 *)(r9 + 0)
out:
r0 = 0
exit
