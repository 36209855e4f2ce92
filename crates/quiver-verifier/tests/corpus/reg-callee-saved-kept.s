; prog_type: socket_filter
; what: r6-r9 survive a helper call
; kernel: accept
r6 = 7
call bpf_ktime_get_ns#5
r0 = r6
exit
