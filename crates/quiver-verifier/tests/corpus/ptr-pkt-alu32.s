; prog_type: xdp
; what: 32-bit arithmetic on a packet pointer
; kernel: reject
; kernel-error: R2 32-bit pointer arithmetic prohibited
r2 = *(u32 *)(r1 + 0)
w2 += 4
r0 = 2
exit
