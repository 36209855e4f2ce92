; prog_type: socket_filter
; what: bpf_ktime_get_boot_ns from a socket filter
; kernel: accept
call bpf_ktime_get_boot_ns#125
r0 = 0
exit
