; prog_type: sched_cls
; what: a tc program reads the packet with no data_end check
; kernel: reject
; kernel-error: invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r0 = *(u8 *)(r2 + 0)
out:
r0 = 0
exit
