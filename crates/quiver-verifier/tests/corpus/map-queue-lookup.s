; prog_type: socket_filter
; maps: q=queue:0:8:4
; what: bpf_map_lookup_elem on a queue map, whose key size is 0
; kernel: reject
; kernel-error: invalid zero-sized read
r2 = r10
r2 += -8
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r0 = 0
exit
