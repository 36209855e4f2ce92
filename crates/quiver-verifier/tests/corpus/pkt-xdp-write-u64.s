; prog_type: xdp
; what: an 8-byte packet write after checking 8 bytes
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 8
if r4 > r3 goto out
*(u64 *)(r2 + 0) = 0
out:
r0 = 2
exit
