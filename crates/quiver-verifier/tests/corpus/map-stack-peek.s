; prog_type: socket_filter
; maps: s=stack:0:8:4
; what: bpf_map_peek_elem on a stack map
; kernel: accept
r2 = r10
r2 += -8
r1 = map_fd(0) ll
call bpf_map_peek_elem#89
r0 = 0
exit
