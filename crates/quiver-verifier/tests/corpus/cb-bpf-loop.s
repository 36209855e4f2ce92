; prog_type: socket_filter
; btf: func_info
; what: bpf_loop with a static callback returning 0
; kernel: accept
r1 = 10
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb:
r0 = 0
exit
