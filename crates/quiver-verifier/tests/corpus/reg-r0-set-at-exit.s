; prog_type: socket_filter
; what: the smallest valid program: r0 = 0; exit
; kernel: accept
r0 = 0
exit
