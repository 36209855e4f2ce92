; prog_type: xdp
; maps: dev=devmap:4:4:4
; what: bpf_redirect_map with a devmap
; kernel: accept
r1 = map_fd(0) ll
r2 = 0
r3 = 0
call bpf_redirect_map#51
r0 = 0
exit
