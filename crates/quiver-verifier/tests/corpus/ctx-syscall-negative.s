; prog_type: syscall
; prog_flags: sleepable
; what: a syscall program reads before its ctx
; kernel: reject
; kernel-error: invalid bpf_context access off=-8 size=8
r2 = *(u64 *)(r1 - 8)
r0 = 0
exit
