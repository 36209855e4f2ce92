; prog_type: sched_cls
; maps: h=hash:4:4:4
; what: a checked packet pointer as the source of bpf_map_update_elem's key
; kernel: accept
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 8
if r4 > r3 goto out
r6 = r2
r2 = r6
r3 = r6
r4 = 0
r1 = map_fd(0) ll
call bpf_map_update_elem#2
out:
r0 = 0
exit
