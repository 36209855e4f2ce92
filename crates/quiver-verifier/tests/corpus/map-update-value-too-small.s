; prog_type: socket_filter
; maps: h=hash:4:8:4
; what: bpf_map_update_elem with a value pointer that covers 4 of the 8 value bytes
; kernel: reject
; kernel-error: invalid read from stack R3 off=-4 size=8
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r3 = r10
r3 += -4
r4 = 0
r1 = map_fd(0) ll
call bpf_map_update_elem#2
r0 = 0
exit
