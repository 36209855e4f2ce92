; prog_type: socket_filter
; what: bpf_loop with a scalar where the callback goes
; kernel: reject
; kernel-error: R2 type=scalar expected=func
r1 = 10
r2 = 0
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
