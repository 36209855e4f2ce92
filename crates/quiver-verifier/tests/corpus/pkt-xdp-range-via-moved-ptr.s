; prog_type: xdp
; what: after checking 14 bytes, data + 10 can read 4 bytes
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r2 += 10
r0 = *(u32 *)(r2 + 0)
out:
r0 = 2
exit
