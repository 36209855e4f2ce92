; prog_type: xdp
; what: data_end - data is a scalar (privileged pointer subtraction)
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r3 -= r2
r0 = 2
exit
