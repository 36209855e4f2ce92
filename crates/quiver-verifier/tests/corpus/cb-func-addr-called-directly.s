; prog_type: socket_filter
; btf: func_info
; what: a callback used both by bpf_loop and by a direct bpf-to-bpf call
; kernel: accept
r1 = 1
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r1 = 0
call cb
r0 = 0
exit
cb:
r0 = 0
exit
