; prog_type: socket_filter
; what: writing r10 is rejected
; kernel: reject
; kernel-error: frame pointer is read only
r10 = 0
r0 = 0
exit
