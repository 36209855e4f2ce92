; prog_type: socket_filter
; maps: h=hash:8:4:16
; what: a hash map lookup with an 8-byte key
; kernel: accept
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r0 = *(u32 *)(r0 + 0)
out:
r0 = 0
exit
