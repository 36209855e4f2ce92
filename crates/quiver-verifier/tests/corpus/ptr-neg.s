; prog_type: socket_filter
; what: negating a pointer is allowed for privileged loaders (it becomes a scalar)
; kernel: accept
r1 = r10
r1 = -r1
r0 = 0
exit
