; prog_type: syscall
; prog_flags: sleepable
; what: a syscall program writes its ctx
; kernel: accept
r2 = 1
*(u64 *)(r1 + 8) = r2
r0 = 0
exit
