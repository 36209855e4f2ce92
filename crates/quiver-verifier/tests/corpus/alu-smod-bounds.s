; prog_type: socket_filter
; maps: values=array:4:8:1
; what: signed modulo by 8 of a value in [0, 15]
; kernel: reject
; kernel-error: math between map_value pointer and register with unbounded min value is not allowed
r6 = *(u32 *)(r1 + 0)
r6 &= 15
r6 s%= 8
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
