; prog_type: socket_filter
; what: 32-bit arithmetic on a pointer
; kernel: reject
; kernel-error: R1 32-bit pointer arithmetic prohibited
r1 = r10
w1 += 1
r0 = 0
exit
