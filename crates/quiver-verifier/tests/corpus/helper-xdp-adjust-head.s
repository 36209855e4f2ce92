; prog_type: xdp
; what: bpf_xdp_adjust_head with the ctx
; kernel: accept
r2 = 0
call bpf_xdp_adjust_head#44
r0 = 2
exit
