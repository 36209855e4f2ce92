; prog_type: socket_filter
; btf: func_info
; what: a bpf_loop callback calling a helper
; kernel: accept
r1 = 10
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb:
call bpf_ktime_get_ns#5
r0 = 0
exit
