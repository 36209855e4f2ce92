; prog_type: socket_filter
; what: writing a constant into a never-written register makes it readable
; kernel: accept
r6 = 5
r6 += 1
r0 = r6
exit
