; prog_type: socket_filter
; btf: func_info
; what: a bpf_loop callback that calls bpf_loop with a second callback
; kernel: accept
r1 = 10
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb:
r1 = 2
r2 = func(cb2) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb2:
r0 = 0
exit
