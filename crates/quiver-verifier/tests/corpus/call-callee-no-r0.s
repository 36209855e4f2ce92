; prog_type: socket_filter
; what: a subprogram exits without writing r0
; kernel: accept
call sub
r0 = 0
exit
sub:
r1 = 1
exit
