; prog_type: socket_filter
; what: an endless loop made finite by may_goto
; kernel: accept
r0 = 0
L:
may_goto out
r0 += 1
goto L
out:
r0 = 0
exit
