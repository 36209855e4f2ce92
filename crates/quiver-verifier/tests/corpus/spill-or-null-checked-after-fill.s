; prog_type: socket_filter
; maps: h=hash:4:8:4
; what: a map_value_or_null spilled before the null check; the fill shares the check of r0
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
*(u64 *)(r10 - 16) = r0
if r0 == 0 goto out
r1 = *(u64 *)(r10 - 16)
r0 = *(u64 *)(r1 + 0)
out:
r0 = 0
exit
