; prog_type: socket_filter
; maps: values=array:4:256:1
; what: (s8) of a byte may be negative, so it cannot index a map value
; kernel: reject
; kernel-error: R0 min value is negative, either use unsigned index or do a if (index >=0) check.
r6 = *(u8 *)(r1 + 0)
r6 = (s8)r6
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
