; prog_type: socket_filter
; what: storing a never-written register (r3) to the stack is rejected
; kernel: reject
; kernel-error: R3 !read_ok
*(u64 *)(r10 - 8) = r3
r0 = 0
exit
