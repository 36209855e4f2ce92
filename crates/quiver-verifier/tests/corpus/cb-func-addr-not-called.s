; prog_type: socket_filter
; btf: func_info
; what: a callback address loaded with func(...) but never passed to a helper
; kernel: accept
r1 = func(cb) ll
r0 = 0
exit
cb:
r0 = 0
exit
