; prog_type: socket_filter
; what: a byte store into a spilled pointer turns the slot into data; the fill is a scalar
; kernel: reject
; kernel-error: R2 invalid mem access 'scalar'
*(u64 *)(r10 - 8) = r1
*(u8 *)(r10 - 8) = 0
r2 = *(u64 *)(r10 - 8)
r0 = *(u32 *)(r2 + 0)
exit
