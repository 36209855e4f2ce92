; prog_type: socket_filter
; what: a subprogram exits without writing r0 and the caller returns what it got
; kernel: reject
; kernel-error: R0 !read_ok
call sub
exit
sub:
r1 = 1
exit
