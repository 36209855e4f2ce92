; prog_type: socket_filter
; what: a 32-bit arithmetic shift by 32
; kernel: reject
; kernel-error: invalid shift 32
w0 = 1
w0 s>>= 32
exit
