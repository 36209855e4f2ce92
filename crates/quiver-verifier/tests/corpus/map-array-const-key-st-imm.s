; prog_type: socket_filter
; maps: a=array:4:8:4
; what: constant key 2 written with a 4-byte immediate store at r10-8 is tracked: no null check needed
; kernel: accept
*(u32 *)(r10 - 8) = 2
r2 = r10
r2 += -8
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r1 = *(u64 *)(r0 + 0)
r0 = 0
exit
