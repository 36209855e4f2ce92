; prog_type: xdp
; prog_flags: strict_alignment
; what: with BPF_F_STRICT_ALIGNMENT (NET_IP_ALIGN = 2) a 4-byte packet read at offset 4 is misaligned
; kernel: reject
; kernel-error: misaligned packet access off 2+0+0+4 size 4
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 4)
out:
r0 = 2
exit
