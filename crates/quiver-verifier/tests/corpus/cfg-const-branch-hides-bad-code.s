; prog_type: socket_filter
; what: r1 = 5 makes if r1 > 3 always taken; the fall-through reads a scalar as a pointer but is never checked
; kernel: accept
r1 = 5
if r1 > 3 goto ok
r0 = *(u64 *)(r1 + 0)
ok:
r0 = 0
exit
