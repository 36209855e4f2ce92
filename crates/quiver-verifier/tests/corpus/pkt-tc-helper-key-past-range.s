; prog_type: sched_cls
; maps: h=hash:4:4:4
; what: a packet pointer checked for 2 bytes as a 4-byte map key
; kernel: reject
; kernel-error: invalid access to packet, off=0 size=4, R2(id=0,off=0,r=2)
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 2
if r4 > r3 goto out
r2 = r2
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
out:
r0 = 0
exit
