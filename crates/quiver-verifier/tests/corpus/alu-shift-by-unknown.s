; prog_type: socket_filter
; maps: values=array:4:8:1
; what: a shift by an unknown amount makes the result unknown
; kernel: reject
; kernel-error: math between map_value pointer and register with unbounded min value is not allowed
r6 = 1
r7 = *(u32 *)(r1 + 0)
r6 <<= r7
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
