; prog_type: socket_filter
; what: exit with r0 never written is rejected
; kernel: reject
; kernel-error: R0 !read_ok
exit
