; prog_type: xdp
; what: a 4-byte read at offset 12 after checking 14 bytes
; kernel: reject
; kernel-error: invalid access to packet, off=12 size=4, R2(id=0,off=12,r=14)
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 12)
out:
r0 = 2
exit
