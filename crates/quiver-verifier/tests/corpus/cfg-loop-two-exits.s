; prog_type: socket_filter
; what: a loop with two exit conditions, one of them bounded
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r1 = 0
L:
if r1 == r2 goto done
r1 += 1
if r1 < 100 goto L
done:
r0 = 0
exit
