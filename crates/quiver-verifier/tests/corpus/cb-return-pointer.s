; prog_type: socket_filter
; btf: func_info
; what: a bpf_loop callback returning its ctx pointer
; kernel: reject
; kernel-error: cannot return stack pointer to the caller
*(u64 *)(r10 - 8) = 0
r1 = 10
r2 = func(cb) ll
r3 = r10
r3 += -8
r4 = 0
call bpf_loop#181
r0 = 0
exit
cb:
r0 = r2
exit
