; prog_type: socket_filter
; what: bpf_loop with a callback but no BTF func info
; kernel: reject
; kernel-error: missing btf func_info
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
