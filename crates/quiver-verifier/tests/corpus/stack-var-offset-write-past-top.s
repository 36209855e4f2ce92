; prog_type: socket_filter
; what: an 8-byte store at r10-8 plus a variable offset of 0 or 8 can land at r10+0, above the stack
; kernel: reject
; kernel-error: invalid variable-offset write to stack R3 var_off=(0x0; 0x8) off=-8 size=8
r2 = *(u32 *)(r1 + 0)
r2 &= 8
r3 = r10
r3 += -8
r3 += r2
*(u64 *)(r3 + 0) = 0
r0 = 0
exit
