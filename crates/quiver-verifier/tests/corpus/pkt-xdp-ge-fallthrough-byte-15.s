; prog_type: xdp
; what: data + 14 >= data_end jumps away; the fall-through has 15 bytes, so byte 15 is out of range
; kernel: reject
; kernel-error: invalid access to packet, off=15 size=1, R2(id=0,off=15,r=15)
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 >= r3 goto out
r0 = *(u8 *)(r2 + 15)
out:
r0 = 2
exit
