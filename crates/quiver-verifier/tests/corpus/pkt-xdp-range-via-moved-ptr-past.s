; prog_type: xdp
; what: after checking 14 bytes, data + 10 cannot read 8 bytes
; kernel: reject
; kernel-error: invalid access to packet, off=10 size=8, R2(id=0,off=10,r=14)
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r2 += 10
r0 = *(u64 *)(r2 + 0)
out:
r0 = 2
exit
