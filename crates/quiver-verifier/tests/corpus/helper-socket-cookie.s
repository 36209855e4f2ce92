; prog_type: socket_filter
; what: bpf_get_socket_cookie from a socket filter
; kernel: accept
call bpf_get_socket_cookie#46
r0 = 0
exit
