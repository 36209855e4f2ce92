; prog_type: socket_filter
; maps: h=hash:4:8:4
; what: bpf_map_push_elem on a hash map
; kernel: reject
; kernel-error: cannot pass map_type 1 into func bpf_map_push_elem#87
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = 0
r1 = map_fd(0) ll
call bpf_map_push_elem#87
r0 = 0
exit
