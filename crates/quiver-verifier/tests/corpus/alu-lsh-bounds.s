; prog_type: socket_filter
; maps: values=array:4:2048:1
; what: a byte shifted left by 3 lies in [0, 2040] and indexes a 2048-byte value
; kernel: accept
r6 = *(u8 *)(r1 + 0)
r6 <<= 3
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
