; prog_type: socket_filter
; maps: a=array:4:8:4
; what: constant key 4 of a 4-entry array, tracked but out of range: the lookup may return NULL
; kernel: reject
; kernel-error: R0 invalid mem access 'map_value_or_null'
*(u32 *)(r10 - 8) = 4
r2 = r10
r2 += -8
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r1 = *(u64 *)(r0 + 0)
r0 = 0
exit
