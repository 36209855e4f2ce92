; prog_type: socket_filter
; what: bpf_jiffies64 from a socket filter
; kernel: accept
call bpf_jiffies64#118
r0 = 0
exit
