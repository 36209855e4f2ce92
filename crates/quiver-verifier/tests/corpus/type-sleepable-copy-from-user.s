; prog_type: syscall
; prog_flags: sleepable
; maps: a=array:4:8:1
; what: a sleepable syscall program calls bpf_copy_from_user (helper 148)
; kernel: accept
r1 = r10
r1 += -8
r2 = 8
r3 = 0
call bpf_copy_from_user#148
r0 = 0
exit
