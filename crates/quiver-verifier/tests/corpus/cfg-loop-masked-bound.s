; prog_type: socket_filter
; what: a loop bounded by a ctx value masked to [0, 15]
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r2 &= 15
r1 = 0
L:
if r1 >= r2 goto done
r1 += 1
goto L
done:
r0 = 0
exit
