; prog_type: sched_cls
; what: a tc program reading the packet after the data_end check
; kernel: accept
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 2
if r4 > r3 goto out
r0 = *(u16 *)(r2 + 0)
out:
r0 = 0
exit
