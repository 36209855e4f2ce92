; prog_type: socket_filter
; what: a load through a never-written base register (r4)
; kernel: reject
; kernel-error: R4 !read_ok
r0 = *(u64 *)(r4 + 0)
exit
