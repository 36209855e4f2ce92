; prog_type: socket_filter
; what: two nested loops of 8 iterations each
; kernel: accept
r1 = 0
outer:
r2 = 0
inner:
r2 += 1
if r2 < 8 goto inner
r1 += 1
if r1 < 8 goto outer
r0 = 0
exit
