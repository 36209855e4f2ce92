; prog_type: socket_filter
; maps: q=queue:0:8:4
; what: bpf_map_pop_elem from a queue into the stack
; kernel: accept
r2 = r10
r2 += -8
r1 = map_fd(0) ll
call bpf_map_pop_elem#88
r0 = 0
exit
