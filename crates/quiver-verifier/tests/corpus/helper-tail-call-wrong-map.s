; prog_type: socket_filter
; maps: values=array:4:8:1
; what: bpf_tail_call through an array map instead of a prog_array
; kernel: reject
; kernel-error: expected prog array map for tail call
r2 = map_fd(0) ll
r3 = 0
call bpf_tail_call#12
r0 = 0
exit
