; prog_type: socket_filter
; what: a bitwise operator on a pointer
; kernel: reject
; kernel-error: R1 bitwise operator |= on pointer prohibited
r1 = r10
r1 |= 1
r0 = 0
exit
