; prog_type: socket_filter
; btf: func_info, global=1:2
; what: bpf_loop with a callback whose BTF FUNC is global
; kernel: reject
; kernel-error: callback function not static
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
