; prog_type: socket_filter
; what: r2 & 7 can be > 6, so the branch to bad code is live
; kernel: reject
; kernel-error: R2 invalid mem access 'scalar'
r2 = *(u32 *)(r1 + 0)
r2 &= 7
if r2 > 6 goto bad
r0 = 0
exit
bad:
r0 = *(u64 *)(r2 + 0)
exit
