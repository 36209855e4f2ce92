; prog_type: socket_filter
; maps: values=array:4:8:1
; what: a 64-bit immediate load of 7 is a known constant
; kernel: accept
r6 = 7 ll
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
