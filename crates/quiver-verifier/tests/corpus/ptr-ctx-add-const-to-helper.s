; prog_type: xdp
; what: the ctx pointer plus 8 passed to a helper that wants the ctx
; kernel: reject
; kernel-error: dereference of modified ctx ptr R1 off=8 disallowed
r1 += 8
r2 = 0
call bpf_xdp_adjust_head#44
r0 = 2
exit
