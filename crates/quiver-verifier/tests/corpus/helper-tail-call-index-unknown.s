; prog_type: socket_filter
; maps: jmp=prog_array:4:4:4
; what: bpf_tail_call with an index from ctx (checked at run time)
; kernel: accept
r3 = *(u32 *)(r1 + 0)
r2 = map_fd(0) ll
call bpf_tail_call#12
r0 = 0
exit
