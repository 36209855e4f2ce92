; prog_type: socket_filter
; maps: values=array:4:8:1
; what: w6 += 1 of a u32 that may be 0xffffffff wraps, so no upper bound below 2^32
; kernel: reject
; kernel-error: R0 unbounded memory access, make sure to bounds check any such access
r6 = *(u32 *)(r1 + 0)
w6 += 1
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
