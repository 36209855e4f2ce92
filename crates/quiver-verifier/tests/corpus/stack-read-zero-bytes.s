; prog_type: socket_filter
; maps: values=array:4:8:1
; what: a byte read from a zeroed 8-byte slot is the constant 0, usable as a map value offset
; kernel: accept
*(u64 *)(r10 - 8) = 0
r6 = *(u8 *)(r10 - 5)
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
