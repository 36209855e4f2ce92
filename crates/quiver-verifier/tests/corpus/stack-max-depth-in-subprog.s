; prog_type: socket_filter
; what: a subprogram using its own whole 512-byte frame while main uses nothing
; kernel: accept
call sub
r0 = 0
exit
sub:
*(u64 *)(r10 - 512) = 0
r0 = 0
exit
