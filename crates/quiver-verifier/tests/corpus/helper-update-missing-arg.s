; prog_type: socket_filter
; maps: h=hash:4:8:4
; what: bpf_map_update_elem without setting its fourth argument
; kernel: reject
; kernel-error: R4 !read_ok
r1 = 0
*(u32 *)(r10 - 4) = r1
*(u64 *)(r10 - 16) = r1
r2 = r10
r2 += -4
r3 = r10
r3 += -16
r1 = map_fd(0) ll
call bpf_map_update_elem#2
r0 = 0
exit
