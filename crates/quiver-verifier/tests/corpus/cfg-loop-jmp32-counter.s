; prog_type: socket_filter
; what: a loop with a 32-bit counter and a 32-bit condition
; kernel: accept
w1 = 0
L:
w1 += 1
if w1 < 16 goto L
r0 = 0
exit
