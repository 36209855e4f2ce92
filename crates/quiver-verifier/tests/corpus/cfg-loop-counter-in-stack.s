; prog_type: socket_filter
; what: a loop whose counter lives in a stack slot
; kernel: accept
*(u64 *)(r10 - 8) = 0
L:
r1 = *(u64 *)(r10 - 8)
r1 += 1
*(u64 *)(r10 - 8) = r1
if r1 < 10 goto L
r0 = 0
exit
