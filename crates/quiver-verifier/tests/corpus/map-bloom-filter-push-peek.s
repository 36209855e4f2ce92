; prog_type: socket_filter
; maps: b=bloom_filter:0:8:16
; what: bpf_map_push_elem and bpf_map_peek_elem on a bloom filter
; kernel: accept
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = 0
r1 = map_fd(0) ll
call bpf_map_push_elem#87
r2 = r10
r2 += -8
r1 = map_fd(0) ll
call bpf_map_peek_elem#89
r0 = 0
exit
