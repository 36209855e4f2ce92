; prog_type: socket_filter
; maps: a=array:4:8:1
; btf: func_info
; what: the callback index (bounded only by the u32 loop count) indexes a map value unchecked
; kernel: reject
; kernel-error: math between map_value pointer and register with unbounded min value is not allowed
r1 = 10
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb:
r6 = r1
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
