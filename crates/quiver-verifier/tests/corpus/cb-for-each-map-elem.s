; prog_type: socket_filter
; maps: a=array:4:8:4
; btf: func_info
; what: bpf_for_each_map_elem over an array with a callback reading each value
; kernel: accept
r1 = map_fd(0) ll
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_for_each_map_elem#164
r0 = 0
exit
cb:
r0 = *(u64 *)(r3 + 0)
r0 = 0
exit
