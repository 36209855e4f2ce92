; prog_type: socket_filter
; maps: l=lru_hash:4:8:4
; what: an LRU hash lookup read without the null check
; kernel: reject
; kernel-error: R0 invalid mem access 'map_value_or_null'
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r1 = *(u64 *)(r0 + 0)
r0 = 0
exit
