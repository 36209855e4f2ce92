; prog_type: socket_filter
; what: r2 & 7 is never > 7, so the branch to bad code is dead
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r2 &= 7
if r2 > 7 goto bad
r0 = 0
exit
bad:
r0 = *(u64 *)(r2 + 0)
exit
