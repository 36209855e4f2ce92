; prog_type: socket_filter
; btf: func_info
; what: a bpf_loop callback that never writes r0
; kernel: reject
; kernel-error: R0 not a scalar value
r1 = 10
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb:
r1 = 0
exit
