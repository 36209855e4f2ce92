; prog_type: xdp
; what: a load through data_end after comparing it (data_end is never dereferenceable)
; kernel: reject
; kernel-error: R3 invalid mem access 'pkt_end'
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r3 - 1)
out:
r0 = 2
exit
