; prog_type: socket_filter
; what: a loop from -5 up to 5 with a signed condition
; kernel: accept
r1 = -5
L:
r1 += 1
if r1 s< 5 goto L
r0 = 0
exit
