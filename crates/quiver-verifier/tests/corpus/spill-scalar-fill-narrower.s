; prog_type: socket_filter
; maps: values=array:4:8:1
; what: an 8-byte constant spilled, then filled with a 4-byte read of its low half
; kernel: accept
r6 = 4
*(u64 *)(r10 - 8) = r6
r1 = 0
*(u32 *)(r10 - 16) = r1
r2 = r10
r2 += -16
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r1 = *(u32 *)(r10 - 8)
r0 += r1
r0 = *(u32 *)(r0 + 0)
out:
r0 = 0
exit
