; prog_type: socket_filter
; maps: values=array:4:8:1
; what: (x & 3) | 4 lies in [4, 7] and indexes an 8-byte value
; kernel: accept
r6 = *(u32 *)(r1 + 0)
r6 &= 3
r6 |= 4
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
