; prog_type: xdp
; what: a variable offset added to a checked packet pointer loses the range
; kernel: reject
; kernel-error: invalid access to packet, off=0 size=1, R2(id=1,off=0,r=0)
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 64
if r4 > r3 goto out
r5 = *(u8 *)(r2 + 0)
r5 &= 0x3f
r2 += r5
r0 = *(u8 *)(r2 + 0)
out:
r0 = 2
exit
