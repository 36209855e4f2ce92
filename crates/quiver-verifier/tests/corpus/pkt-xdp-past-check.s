; prog_type: xdp
; what: a read at byte 14 after checking only 14 bytes
; kernel: reject
; kernel-error: invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r2 + 14)
out:
r0 = 2
exit
