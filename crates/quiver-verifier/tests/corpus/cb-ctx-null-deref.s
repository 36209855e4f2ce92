; prog_type: socket_filter
; btf: func_info
; what: a bpf_loop callback dereferences its ctx, which the caller passed as 0
; kernel: reject
; kernel-error: R2 invalid mem access 'scalar'
r1 = 10
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb:
r0 = *(u64 *)(r2 + 0)
r0 = 0
exit
