; prog_type: socket_filter
; what: two nested endless loops made finite by may_goto
; kernel: accept
outer:
may_goto done
inner:
may_goto outer
goto inner
done:
r0 = 0
exit
