; prog_type: socket_filter
; what: r1 holds the ctx at entry; r2-r5 do not
; kernel: reject
; kernel-error: R2 !read_ok
r0 = r2
exit
