; prog_type: socket_filter
; what: a scalar minus a pointer
; kernel: reject
; kernel-error: R2 tried to subtract pointer from scalar
r2 = 100
r2 -= r10
r0 = 0
exit
