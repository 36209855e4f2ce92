; prog_type: socket_filter
; maps: a=array:4:16:1
; what: a map value pointer minus a bounded variable offset points before the value
; kernel: reject
; kernel-error: R0 min value is negative, either use unsigned index or do a if (index >=0) check.
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
r1 &= 7
r0 -= r1
r1 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit
