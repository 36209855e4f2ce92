; prog_type: socket_filter
; what: multiplying a pointer
; kernel: reject
; kernel-error: R1 pointer arithmetic with *= operator prohibited
r1 = r10
r1 *= 2
r0 = 0
exit
