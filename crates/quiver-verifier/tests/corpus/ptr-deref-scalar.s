; prog_type: socket_filter
; what: a load through a constant, not a pointer
; kernel: reject
; kernel-error: R1 invalid mem access 'scalar'
r1 = 0
r0 = *(u64 *)(r1 + 0)
exit
