; prog_type: sched_cls
; what: a tc program reads data_meta after checking it against data
; kernel: accept
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = *(u32 *)(r1 + 140)
r5 = r4
r5 += 4
if r5 > r2 goto out
r0 = *(u32 *)(r4 + 0)
out:
r0 = 0
exit
