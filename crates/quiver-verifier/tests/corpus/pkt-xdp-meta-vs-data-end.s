; prog_type: xdp
; what: data_meta checked against data_end instead of data
; kernel: reject
; kernel-error: invalid access to packet, off=0 size=4, R4(id=0,off=0,r=0)
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = *(u32 *)(r1 + 8)
r5 = r4
r5 += 4
if r5 > r3 goto out
r0 = *(u32 *)(r4 + 0)
out:
r0 = 2
exit
