; prog_type: socket_filter
; maps: h=hash:4:8:4
; what: bpf_map_delete_elem on a hash map with a stack key
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_delete_elem#3
r0 = 0
exit
