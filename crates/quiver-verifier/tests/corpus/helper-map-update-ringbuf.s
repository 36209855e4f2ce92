; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: bpf_map_update_elem on a ring buffer, whose key size is 0
; kernel: reject
; kernel-error: invalid zero-sized read
r2 = r10
r2 += -8
r3 = r10
r3 += -8
r4 = 0
*(u64 *)(r10 - 8) = 0
r1 = map_fd(0) ll
call bpf_map_update_elem#2
r0 = 0
exit
