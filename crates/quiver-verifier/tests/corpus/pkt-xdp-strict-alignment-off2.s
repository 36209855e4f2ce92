; prog_type: xdp
; prog_flags: strict_alignment
; what: with BPF_F_STRICT_ALIGNMENT the verifier assumes NET_IP_ALIGN = 2, so a 4-byte packet read at offset 2 is aligned
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 2)
out:
r0 = 2
exit
