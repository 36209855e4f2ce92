; prog_type: xdp
; what: a packet pointer spilled after the data_end check keeps its checked range
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 8
if r4 > r3 goto out
*(u64 *)(r10 - 8) = r2
r5 = *(u64 *)(r10 - 8)
r0 = *(u32 *)(r5 + 4)
out:
r0 = 2
exit
