; prog_type: socket_filter
; what: bpf_get_current_pid_tgid from a socket filter (in the base helper set for privileged loaders)
; kernel: accept
call bpf_get_current_pid_tgid#14
r0 = 0
exit
