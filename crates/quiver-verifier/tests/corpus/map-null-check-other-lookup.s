; prog_type: socket_filter
; maps: h=hash:4:8:4
; what: checking one lookup result does not check another
; kernel: reject
; kernel-error: R6 invalid mem access 'map_value_or_null'
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r6 = r0
r1 = 0
*(u32 *)(r10 - 8) = r1
r2 = r10
r2 += -8
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r1 = *(u64 *)(r6 + 0)
out:
r0 = 0
exit
