; prog_type: socket_filter
; maps: values=array:4:8:1
; what: a 32-bit unknown shifted right by 28 lies in [0, 15], past an 8-byte value
; kernel: reject
; kernel-error: invalid access to map value, value_size=8 off=15 size=1
r6 = *(u32 *)(r1 + 0)
r6 >>= 28
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r0 += r6
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit
