; prog_type: socket_filter
; maps: pc=percpu_array:4:8:4
; what: a per-CPU array lookup with a constant in-range key, not null-checked
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r1 = *(u64 *)(r0 + 0)
r0 = 0
exit
