; prog_type: socket_filter
; what: arithmetic on a never-written register (r6), which reads it
; kernel: reject
; kernel-error: R6 !read_ok
r6 += 1
r0 = 0
exit
