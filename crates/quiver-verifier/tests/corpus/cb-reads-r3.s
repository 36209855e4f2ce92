; prog_type: socket_filter
; btf: func_info
; what: a bpf_loop callback reads r3, which a callback does not receive
; kernel: reject
; kernel-error: R3 !read_ok
r1 = 10
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb:
r0 = r3
r0 &= 1
exit
