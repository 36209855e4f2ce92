; prog_type: socket_filter
; what: bpf_map_lookup_elem with a scalar where the map goes
; kernel: reject
; kernel-error: R1 type=scalar expected=map_ptr
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = 0
call bpf_map_lookup_elem#1
r0 = 0
exit
