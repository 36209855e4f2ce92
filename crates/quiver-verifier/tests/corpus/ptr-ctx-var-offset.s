; prog_type: socket_filter
; what: a ctx pointer plus a variable offset, then a load
; kernel: reject
; kernel-error: variable ctx access var_off=(0x0; 0x4) disallowed
r2 = *(u32 *)(r1 + 0)
r2 &= 4
r1 += r2
r0 = *(u32 *)(r1 + 0)
exit
