; prog_type: xdp
; what: a packet read after comparing data + 14 with data_end
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r2 + 12)
out:
r0 = 2
exit
