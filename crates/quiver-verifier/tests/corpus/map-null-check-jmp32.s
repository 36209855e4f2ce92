; prog_type: socket_filter
; maps: h=hash:4:8:4
; what: a 32-bit compare of the lookup result with 0 is not a null check
; kernel: reject
; kernel-error: R0 invalid mem access 'map_value_or_null'
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if w0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit
