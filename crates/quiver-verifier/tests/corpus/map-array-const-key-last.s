; prog_type: socket_filter
; maps: a=array:4:8:4
; what: constant key 3 (of 4 entries) written with a 4-byte store at r10-4: a store that is not 8-byte aligned is not tracked as a spill, so the key is not known and the lookup may return NULL
; kernel: reject
; kernel-error: R0 invalid mem access 'map_value_or_null'
r1 = 3
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r1 = *(u64 *)(r0 + 0)
r0 = 0
exit
