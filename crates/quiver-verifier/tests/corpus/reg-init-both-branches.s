; prog_type: socket_filter
; what: r2 is written on both paths before the join reads it
; kernel: accept
r1 = *(u32 *)(r1 + 0)
if r1 == 0 goto other
r2 = 1
goto join
other:
r2 = 2
join:
r0 = r2
exit
