; prog_type: xdp
; what: bpf_xdp_adjust_head with the stack pointer as ctx
; kernel: reject
; kernel-error: R1 type=fp expected=ctx
r1 = r10
r2 = 0
call bpf_xdp_adjust_head#44
r0 = 2
exit
