; prog_type: xdp
; what: data_meta + 4 <= data allows a 4-byte read of the metadata
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = *(u32 *)(r1 + 8)
r5 = r4
r5 += 4
if r5 > r2 goto out
r0 = *(u32 *)(r4 + 0)
out:
r0 = 2
exit
