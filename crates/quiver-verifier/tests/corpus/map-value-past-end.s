; prog_type: socket_filter
; maps: values=array:4:8:1
; what: an 8-byte read at offset 8 of an 8-byte value
; kernel: reject
; kernel-error: invalid access to map value, value_size=8 off=8 size=8
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r0 = *(u64 *)(r0 + 8)
out:
r0 = 0
exit
