; prog_type: xdp
; what: data_end > data + 14 jumps to the read: the taken branch has 14 bytes
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r3 > r4 goto ok
goto out
ok:
r0 = *(u16 *)(r2 + 12)
out:
r0 = 2
exit
