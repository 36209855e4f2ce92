; prog_type: socket_filter
; maps: a=array:4:8:1
; btf: func_info
; what: the callback index masked to [0, 7] indexes an 8-byte map value
; kernel: accept
r1 = 10
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb:
r6 = r1
r6 &= 7
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto cbout
r0 += r6
r0 = *(u8 *)(r0 + 0)
cbout:
r0 = 0
exit
