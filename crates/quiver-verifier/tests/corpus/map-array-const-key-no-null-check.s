; prog_type: socket_filter
; maps: values=array:4:8:1
; what: an array lookup with a constant in-range key is known non-null, so no null check is needed
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r0 = *(u64 *)(r0 + 0)
r0 = 0
exit
