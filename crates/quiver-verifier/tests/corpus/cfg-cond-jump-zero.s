; prog_type: socket_filter
; what: a conditional jump by +0 goes to the next instruction either way
; kernel: accept
r0 = 0
if r1 == 0 goto +0
exit
