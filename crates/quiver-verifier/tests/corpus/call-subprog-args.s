; prog_type: socket_filter
; what: a subprogram reading its argument r1 (the ctx)
; kernel: accept
call sub
exit
sub:
r0 = *(u32 *)(r1 + 0)
exit
