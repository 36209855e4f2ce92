; prog_type: socket_filter
; maps: h=hash:4:8:4
; btf: func_info
; what: a bpf_for_each_map_elem callback writes the value it was given
; kernel: accept
r1 = map_fd(0) ll
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_for_each_map_elem#164
r0 = 0
exit
cb:
*(u64 *)(r3 + 0) = 1
r0 = 0
exit
