; prog_type: socket_filter
; what: a subprogram calling itself
; kernel: reject
; kernel-error: the call stack of 9 frames is too deep
call sub
exit
sub:
call sub
r0 = 0
exit
