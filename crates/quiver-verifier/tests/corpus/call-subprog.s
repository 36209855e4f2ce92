; prog_type: socket_filter
; what: a bpf-to-bpf call returning a constant
; kernel: accept
call sub
exit
sub:
r0 = 1
exit
