; prog_type: socket_filter
; maps: a=array:4:8:1
; what: adding to the map pointer, then passing it as the map
; kernel: reject
; kernel-error: R1 pointer arithmetic on map_ptr prohibited
r1 = map_fd(0) ll
r1 += 8
r2 = r10
r2 += -8
*(u64 *)(r10 - 8) = 0
call bpf_map_lookup_elem#1
r0 = 0
exit
