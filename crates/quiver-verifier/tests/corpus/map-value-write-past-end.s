; prog_type: socket_filter
; maps: a=array:4:12:1
; what: a 4-byte store at offset 10 of a 12-byte value
; kernel: reject
; kernel-error: invalid access to map value, value_size=12 off=10 size=4
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
*(u32 *)(r0 + 10) = 1
out:
r0 = 0
exit
