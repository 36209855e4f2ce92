; prog_type: socket_filter
; maps: jmp=prog_array:4:4:4
; what: bpf_tail_call through a prog_array
; kernel: accept
r2 = map_fd(0) ll
r3 = 0
call bpf_tail_call#12
r0 = 0
exit
