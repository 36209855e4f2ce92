; prog_type: socket_filter
; maps: jmp=prog_array:4:4:4
; what: bpf_tail_call with a stack pointer where the ctx goes
; kernel: reject
; kernel-error: R1 type=fp expected=ctx
r1 = r10
r2 = map_fd(0) ll
r3 = 0
call bpf_tail_call#12
r0 = 0
exit
