; prog_type: socket_filter
; what: a spilled pointer overwritten by an 8-byte scalar store fills as that scalar
; kernel: reject
; kernel-error: R2 invalid mem access 'scalar'
*(u64 *)(r10 - 8) = r1
r3 = 0
*(u64 *)(r10 - 8) = r3
r2 = *(u64 *)(r10 - 8)
r0 = *(u32 *)(r2 + 0)
exit
