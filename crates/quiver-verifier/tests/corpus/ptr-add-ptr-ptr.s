; prog_type: socket_filter
; what: adding two pointers
; kernel: reject
; kernel-error: R2 pointer += pointer prohibited
r2 = r10
r2 += r1
r0 = 0
exit
