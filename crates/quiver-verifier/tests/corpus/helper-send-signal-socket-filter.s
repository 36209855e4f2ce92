; prog_type: socket_filter
; what: bpf_send_signal from a socket filter (the kernel offers it to every program type)
; kernel: accept
r1 = 9
call bpf_send_signal#109
r0 = 0
exit
