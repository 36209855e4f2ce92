; prog_type: socket_filter
; what: a subprogram returning a pointer into its own stack frame
; kernel: reject
; kernel-error: cannot return stack pointer to the caller
call sub
r0 = 0
exit
sub:
r0 = r10
r0 += -8
exit
