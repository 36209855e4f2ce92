; prog_type: socket_filter
; maps: a=array:4:8:4
; btf: func_info
; what: a bpf_for_each_map_elem callback reads past the 8-byte value
; kernel: reject
; kernel-error: invalid access to map value, value_size=8 off=8 size=8
r1 = map_fd(0) ll
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_for_each_map_elem#164
r0 = 0
exit
cb:
r0 = *(u64 *)(r3 + 8)
r0 = 0
exit
