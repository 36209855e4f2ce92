; prog_type: socket_filter
; maps: values=array:4:8:1
; what: an arithmetic right shift of a value that may be negative stays possibly negative
; kernel: reject
; kernel-error: R0 min value is negative, either use unsigned index or do a if (index >=0) check.
r6 = *(u32 *)(r1 + 0)
r6 = (s32)r6
r6 s>>= 29
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
