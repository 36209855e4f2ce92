; prog_type: socket_filter
; what: a branch the verifier knows is never taken is not checked
; kernel: accept
r0 = 0
if r0 == 1 goto bad
exit
bad:
r0 = *(u64 *)(r5 + 0)
exit
