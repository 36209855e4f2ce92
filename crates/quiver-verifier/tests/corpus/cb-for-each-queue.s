; prog_type: socket_filter
; maps: q=queue:0:8:4
; btf: func_info
; what: bpf_for_each_map_elem over a queue map
; kernel: reject
; kernel-error: callback function not allowed for map
r1 = map_fd(0) ll
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_for_each_map_elem#164
r0 = 0
exit
cb:
r0 = 0
exit
