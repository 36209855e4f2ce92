; prog_type: socket_filter
; what: reading a register never written (r2) is rejected
; kernel: reject
; kernel-error: R2 !read_ok
r0 = r2
exit
