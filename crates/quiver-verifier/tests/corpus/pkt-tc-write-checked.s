; prog_type: sched_cls
; what: a tc program writes a packet byte after the data_end check
; kernel: accept
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 14
if r4 > r3 goto out
*(u8 *)(r2 + 0) = 1
out:
r0 = 0
exit
