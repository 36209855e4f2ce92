; prog_type: socket_filter
; what: a subprogram reading r2, which the caller never set
; kernel: reject
; kernel-error: R2 !read_ok
call sub
exit
sub:
r0 = r2
exit
