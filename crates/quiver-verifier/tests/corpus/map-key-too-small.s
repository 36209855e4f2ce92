; prog_type: socket_filter
; maps: h=hash:8:4:16
; what: the key pointer covers 4 bytes of stack but the key is 8
; kernel: reject
; kernel-error: invalid read from stack R2 off=-4 size=8
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r0 = 0
exit
