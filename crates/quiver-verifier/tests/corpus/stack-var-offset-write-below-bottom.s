; prog_type: socket_filter
; what: a store at a variable offset that can go below the 512-byte stack
; kernel: reject
; kernel-error: invalid variable-offset write to stack R3 var_off=(0x0; 0xf) off=-520 size=1
r2 = *(u32 *)(r1 + 0)
r2 &= 15
r3 = r10
r3 += -520
r3 += r2
*(u8 *)(r3 + 0) = 0
r0 = 0
exit
