; prog_type: socket_filter
; what: a loop counting to 10
; kernel: accept
r1 = 0
L:
r1 += 1
if r1 < 10 goto L
r0 = r1
exit
