; prog_type: socket_filter
; btf: func_info
; what: a bpf_loop callback returning an unbounded value
; kernel: reject
; kernel-error: At callback return the register R0 has unknown scalar value should have been in [0, 1]
r1 = 10
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb:
r0 = r1
exit
