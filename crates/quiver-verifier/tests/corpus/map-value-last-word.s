; prog_type: socket_filter
; maps: values=array:4:16:4
; what: an 8-byte read of the last word of a 16-byte value
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r0 = *(u64 *)(r0 + 8)
out:
r0 = 0
exit
