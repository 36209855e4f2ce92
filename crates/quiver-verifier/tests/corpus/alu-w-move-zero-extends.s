; prog_type: socket_filter
; maps: values=array:4:8:1
; what: a 32-bit move clears the upper half: (w6 = w6) >> 32 is 0
; kernel: accept
r7 = *(u32 *)(r1 + 0)
r6 = r7
r6 <<= 32
r6 |= r7
w6 = w6
r6 >>= 32
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
