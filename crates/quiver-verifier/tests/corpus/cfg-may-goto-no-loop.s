; prog_type: socket_filter
; what: a may_goto that is not part of any loop
; kernel: accept
may_goto out
r0 = 1
exit
out:
r0 = 0
exit
