; prog_type: socket_filter
; maps: h=hash:4:8:4
; what: a map_value_or_null spilled and filled, then dereferenced with no null check
; kernel: reject
; kernel-error: R1 invalid mem access 'map_value_or_null'
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
*(u64 *)(r10 - 16) = r0
r1 = *(u64 *)(r10 - 16)
r0 = *(u64 *)(r1 + 0)
r0 = 0
exit
