; prog_type: socket_filter
; what: bpf_tail_call with a scalar where the prog_array goes
; kernel: reject
; kernel-error: R2 type=scalar expected=map_ptr
r2 = 0
r3 = 0
call bpf_tail_call#12
r0 = 0
exit
