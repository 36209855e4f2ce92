; prog_type: socket_filter
; maps: values=array:4:16:4
; what: a spilled constant keeps its value: the fill bounds a map access
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r1 = 8
*(u64 *)(r10 - 16) = r1
r1 = *(u64 *)(r10 - 16)
r0 += r1
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit
