; prog_type: socket_filter
; maps: a=array:4:16:1
; what: a variable offset in [0, 7] plus constant 9 can pass the end of a 16-byte value
; kernel: reject
; kernel-error: invalid access to map value, value_size=16 off=16 size=1
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
r1 &= 7
r0 += r1
r1 = *(u8 *)(r0 + 9)
out:
r0 = 0
exit
