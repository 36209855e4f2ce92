; prog_type: socket_filter
; what: subtracting two stack pointers gives a scalar (privileged)
; kernel: accept
r1 = r10
r2 = r10
r2 += -8
r1 -= r2
r0 = r1
exit
