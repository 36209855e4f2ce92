; prog_type: socket_filter
; maps: h=hash:4:8:4
; what: arithmetic on a map_value_or_null before the null check
; kernel: reject
; kernel-error: R0 pointer arithmetic on map_value_or_null prohibited, null-check it first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r0 += 4
if r0 == 0 goto out
r0 = *(u32 *)(r0 + 0)
out:
r0 = 0
exit
