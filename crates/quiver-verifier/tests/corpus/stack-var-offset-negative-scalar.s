; prog_type: socket_filter
; what: a variable stack offset whose scalar may be negative
; kernel: reject
; kernel-error: invalid variable-offset write to stack R3 var_off=(0x0; 0xffffffffffffffff) off=-64 size=1
r2 = *(u32 *)(r1 + 0)
r2 = (s8)r2
r3 = r10
r3 += -64
r3 += r2
*(u8 *)(r3 + 0) = 0
r0 = 0
exit
