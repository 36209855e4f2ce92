; prog_type: socket_filter
; what: an atomic add on a stack slot never written (privileged: uninitialised stack reads are allowed)
; kernel: accept
r1 = 1
lock *(u64 *)(r10 - 8) += r1
r0 = 0
exit
