; prog_type: socket_filter
; what: w1 = 5 makes if w1 < 3 never taken; its target reads a scalar as a pointer but is never checked
; kernel: accept
w1 = 5
if w1 < 3 goto bad
r0 = 0
exit
bad:
r0 = *(u64 *)(r1 + 0)
exit
