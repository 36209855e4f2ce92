; prog_type: socket_filter
; what: callee-saved registers are not visible in the callee
; kernel: reject
; kernel-error: R6 !read_ok
r6 = 1
call sub
exit
sub:
r0 = r6
exit
