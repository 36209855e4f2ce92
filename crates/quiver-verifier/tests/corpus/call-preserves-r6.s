; prog_type: socket_filter
; what: r6-r9 keep their values across a bpf-to-bpf call
; kernel: accept
r6 = 1
call sub
r0 = r6
exit
sub:
r6 = 5
r0 = 0
exit
