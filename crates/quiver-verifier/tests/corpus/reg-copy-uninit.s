; prog_type: socket_filter
; what: copying a register that was never written (r3) is rejected
; kernel: reject
; kernel-error: R3 !read_ok
r1 = r3
r0 = 0
exit
