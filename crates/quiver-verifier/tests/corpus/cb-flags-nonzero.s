; prog_type: socket_filter
; btf: func_info
; what: bpf_loop with flags = 1 (only 0 is valid at run time)
; kernel: accept
r1 = 10
r2 = func(cb) ll
r3 = 0
r4 = 1
call bpf_loop#181
r0 = 0
exit
cb:
r0 = 0
exit
