; prog_type: socket_filter
; maps: values=array:4:8:1
; what: a 32-bit comparison bounds a map offset
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
if w1 > 7 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit
