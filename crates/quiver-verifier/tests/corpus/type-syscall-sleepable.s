; prog_type: syscall
; prog_flags: sleepable
; what: a sleepable syscall program
; kernel: accept
r0 = 0
exit
