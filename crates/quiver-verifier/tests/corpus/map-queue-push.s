; prog_type: socket_filter
; maps: q=queue:0:8:4
; what: bpf_map_push_elem onto a queue
; kernel: accept
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = 0
r1 = map_fd(0) ll
call bpf_map_push_elem#87
r0 = 0
exit
