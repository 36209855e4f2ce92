; prog_type: xdp
; what: bpf_xdp_adjust_tail with the ctx
; kernel: accept
r2 = -4
call bpf_xdp_adjust_tail#65
r0 = 2
exit
