; prog_type: socket_filter
; what: a caller that never reads the result of a subprogram that does not set r0
; kernel: accept
call sub
r0 = 0
exit
sub:
exit
