; prog_type: socket_filter
; maps: p=prog_array:4:4:4
; what: bpf_map_update_elem on a prog_array from a program
; kernel: reject
; kernel-error: cannot pass map_type 3 into func bpf_map_update_elem#2
r1 = 0
*(u32 *)(r10 - 4) = r1
*(u32 *)(r10 - 8) = r1
r2 = r10
r2 += -4
r3 = r10
r3 += -8
r4 = 0
r1 = map_fd(0) ll
call bpf_map_update_elem#2
r0 = 0
exit
