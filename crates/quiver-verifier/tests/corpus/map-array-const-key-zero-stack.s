; prog_type: socket_filter
; maps: a=array:4:8:4
; what: the key is the low 4 bytes of an 8-byte zero store: a spill of 8 bytes does not give a constant 4-byte key, so the lookup may return NULL
; kernel: reject
; kernel-error: R0 invalid mem access 'map_value_or_null'
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r1 = *(u64 *)(r0 + 0)
r0 = 0
exit
