; prog_type: socket_filter
; maps: a=array:4:4:1, h=hash:8:8:4
; what: a 4-byte map value as the 8-byte key of a second lookup
; kernel: reject
; kernel-error: invalid access to map value, value_size=4 off=0 size=8
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r2 = r0
r1 = map_fd(1) ll
call bpf_map_lookup_elem#1
out:
r0 = 0
exit
