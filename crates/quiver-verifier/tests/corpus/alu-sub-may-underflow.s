; prog_type: socket_filter
; maps: values=array:4:8:1
; what: 3 - x for x in [0, 7] may wrap around
; kernel: reject
; kernel-error: R0 min value is negative, either use unsigned index or do a if (index >=0) check.
r6 = *(u32 *)(r1 + 0)
r6 &= 7
r7 = 3
r7 -= r6
r6 = r7
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r0 += r6
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit
