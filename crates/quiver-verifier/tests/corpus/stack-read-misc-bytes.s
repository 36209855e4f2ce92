; prog_type: socket_filter
; maps: values=array:4:8:1
; what: a byte read from a slot written with an unknown byte is unknown, not a valid map value offset
; kernel: reject
; kernel-error: invalid access to map value, value_size=8 off=255 size=8
r1 = *(u32 *)(r1 + 0)
*(u8 *)(r10 - 8) = r1
r6 = *(u8 *)(r10 - 8)
r1 = 0
*(u32 *)(r10 - 16) = r1
r2 = r10
r2 += -16
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r0 += r6
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit
