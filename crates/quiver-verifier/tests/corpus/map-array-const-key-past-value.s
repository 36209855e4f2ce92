; prog_type: socket_filter
; maps: a=array:4:8:4
; what: an array lookup with a constant key, no null check, but the read is past the value
; kernel: reject
; kernel-error: invalid access to map value, value_size=8 off=8 size=8
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r1 = *(u64 *)(r0 + 8)
r0 = 0
exit
