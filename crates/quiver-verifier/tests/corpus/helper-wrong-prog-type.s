; prog_type: socket_filter
; what: bpf_xdp_adjust_head from a socket filter
; kernel: reject
; kernel-error: program of this type cannot use helper bpf_xdp_adjust_head#44
r2 = 0
call bpf_xdp_adjust_head#44
r0 = 0
exit
