; prog_type: syscall
; prog_flags: sleepable
; what: a syscall program reads its ctx (user memory of any layout)
; kernel: accept
r2 = *(u64 *)(r1 + 0)
r0 = 0
exit
