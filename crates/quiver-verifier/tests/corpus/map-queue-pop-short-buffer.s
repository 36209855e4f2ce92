; prog_type: socket_filter
; maps: q=queue:0:8:4
; what: bpf_map_pop_elem into a 4-byte stack buffer for an 8-byte value
; kernel: reject
; kernel-error: invalid write to stack R2 off=-4 size=8
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_pop_elem#88
r0 = 0
exit
