; prog_type: socket_filter
; what: a counter decremented from 10 while it is < 20 (unsigned) ends when it wraps below 0
; kernel: accept
r1 = 10
L:
r1 -= 1
if r1 < 20 goto L
r0 = 0
exit
