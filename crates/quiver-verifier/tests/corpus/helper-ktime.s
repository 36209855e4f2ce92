; prog_type: socket_filter
; what: bpf_ktime_get_ns, available to every program type
; kernel: accept
call bpf_ktime_get_ns#5
r0 = 0
exit
