; prog_type: socket_filter
; maps: h=hash:8:8:4
; what: a helper reading a never-written stack key (privileged: allowed)
; kernel: accept
r2 = r10
r2 += -8
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r0 = 0
exit
