; prog_type: socket_filter
; maps: values=array:4:8:1
; what: a map pointer spilled and filled can still be passed as the map of a lookup
; kernel: accept
r1 = map_fd(0) ll
*(u64 *)(r10 - 8) = r1
r1 = 0
*(u32 *)(r10 - 16) = r1
r2 = r10
r2 += -16
r1 = *(u64 *)(r10 - 8)
call bpf_map_lookup_elem#1
r0 = 0
exit
