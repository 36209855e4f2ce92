; prog_type: socket_filter
; maps: values=array:4:8:1
; what: a bounds check on the filled copy of a spilled scalar also bounds the register spilled
; kernel: accept
r6 = *(u32 *)(r1 + 0)
*(u64 *)(r10 - 8) = r6
r1 = 0
*(u32 *)(r10 - 16) = r1
r2 = r10
r2 += -16
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r1 = *(u64 *)(r10 - 8)
if r1 > 7 goto out
r0 += r6
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit
