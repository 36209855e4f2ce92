; prog_type: socket_filter
; maps: values=array:4:8:1, big=array:4:16:4
; what: two maps declared; the second is used
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(1) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r0 = *(u64 *)(r0 + 8)
out:
r0 = 0
exit
