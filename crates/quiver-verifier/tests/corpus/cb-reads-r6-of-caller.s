; prog_type: socket_filter
; btf: func_info
; what: a bpf_loop callback reads r6, which the caller set but callbacks do not inherit
; kernel: reject
; kernel-error: R6 !read_ok
r6 = 0
r1 = 10
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb:
r0 = r6
r0 &= 1
exit
