; prog_type: socket_filter
; maps: h=hash:4:8:4
; btf: func_info
; what: a bpf_for_each_map_elem callback writes the key it was given
; kernel: reject
; kernel-error: write to change key R2 not allowed
r1 = map_fd(0) ll
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_for_each_map_elem#164
r0 = 0
exit
cb:
*(u32 *)(r2 + 0) = 0
r0 = 0
exit
