; prog_type: socket_filter
; maps: a=array:4:8:1, h=hash:4:8:4
; what: bpf_map_update_elem with a map value as the value
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r3 = r0
r2 = r10
r2 += -4
r4 = 0
r1 = map_fd(1) ll
call bpf_map_update_elem#2
out:
r0 = 0
exit
