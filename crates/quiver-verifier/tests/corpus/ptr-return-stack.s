; prog_type: socket_filter
; what: returning a stack pointer from a socket filter (privileged)
; kernel: accept
r0 = r10
exit
