; prog_type: socket_filter
; what: a loop counting down from 10 to 0
; kernel: accept
r1 = 10
L:
r1 -= 1
if r1 != 0 goto L
r0 = 0
exit
