; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: bpf_map_lookup_elem on a ring buffer, whose key size is 0
; kernel: reject
; kernel-error: invalid zero-sized read
r2 = r10
r2 += -8
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r0 = 0
exit
