; prog_type: socket_filter
; what: a 4-byte store into the high half of a spilled ctx pointer; the 8-byte fill is a scalar
; kernel: reject
; kernel-error: R2 invalid mem access 'scalar'
*(u64 *)(r10 - 8) = r1
*(u32 *)(r10 - 4) = 0
r2 = *(u64 *)(r10 - 8)
r0 = *(u32 *)(r2 + 0)
exit
