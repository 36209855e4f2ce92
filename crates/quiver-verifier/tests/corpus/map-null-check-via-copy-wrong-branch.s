; prog_type: socket_filter
; maps: h=hash:4:8:4
; what: a copy of r0 is compared with 0 and r0 is read on the null branch
; kernel: reject
; kernel-error: R0 invalid mem access 'scalar'
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r1 = r0
if r1 != 0 goto out
r1 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit
