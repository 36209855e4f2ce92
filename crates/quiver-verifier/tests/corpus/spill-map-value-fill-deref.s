; prog_type: socket_filter
; maps: values=array:4:8:1
; what: a null-checked map value pointer spilled and filled keeps its type
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
*(u64 *)(r10 - 16) = r0
r1 = *(u64 *)(r10 - 16)
r0 = *(u64 *)(r1 + 0)
out:
r0 = 0
exit
