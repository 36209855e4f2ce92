; prog_type: socket_filter
; what: a helper's return value in r0 is readable after the call
; kernel: accept
call bpf_ktime_get_ns#5
r0 &= 1
exit
