; prog_type: xdp
; what: a read before data
; kernel: reject
; kernel-error: invalid access to packet, off=-1 size=1, R2(id=0,off=-1,r=14)
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r2 - 1)
out:
r0 = 2
exit
