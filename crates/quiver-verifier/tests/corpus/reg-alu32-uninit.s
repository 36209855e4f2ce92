; prog_type: socket_filter
; what: a 32-bit move of a never-written register (w7)
; kernel: reject
; kernel-error: R7 !read_ok
w0 = w7
exit
