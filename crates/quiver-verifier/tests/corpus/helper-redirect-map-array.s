; prog_type: xdp
; maps: a=array:4:4:4
; what: bpf_redirect_map with an array map
; kernel: reject
; kernel-error: cannot pass map_type 2 into func bpf_redirect_map#51
r1 = map_fd(0) ll
r2 = 0
r3 = 0
call bpf_redirect_map#51
r0 = 0
exit
