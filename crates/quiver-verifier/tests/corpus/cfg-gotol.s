; prog_type: socket_filter
; what: a long jump (gotol, cpu v4) over code reached by another path
; kernel: accept
r0 = 0
if r1 == 0 goto skip
gotol out
skip:
r0 = 1
out:
exit
