; prog_type: socket_filter
; what: arithmetic on r10 itself is rejected (copy it first)
; kernel: reject
; kernel-error: frame pointer is read only
r10 += -8
r0 = 0
exit
