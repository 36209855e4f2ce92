; prog_type: socket_filter
; maps: values=array:4:8:1
; what: an unknown scalar spilled and filled is still unknown, not a valid map value offset
; kernel: reject
; kernel-error: R0 unbounded memory access, make sure to bounds check any such access
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
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit
