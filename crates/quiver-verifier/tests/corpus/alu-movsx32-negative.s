; prog_type: socket_filter
; maps: values=array:4:256:1
; what: (s32) of an unknown u32 may be negative
; kernel: reject
; kernel-error: value -2147483648 makes map_value pointer be out of bounds
r6 = *(u32 *)(r1 + 0)
r6 = (s32)r6
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
