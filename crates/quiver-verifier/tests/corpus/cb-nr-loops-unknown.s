; prog_type: socket_filter
; btf: func_info
; what: bpf_loop with an iteration count from ctx
; kernel: accept
r1 = *(u32 *)(r1 + 0)
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb:
r0 = 0
exit
