; prog_type: syscall
; kfuncs: bpf_copy_from_user_str
; prog_flags: sleepable
; what: bpf_copy_from_user_str from a sleepable syscall program
; kernel: accept
r1 = r10
r1 += -16
r2 = 16
r3 = 0
r4 = 0
call kfunc#0
r0 = 0
exit
