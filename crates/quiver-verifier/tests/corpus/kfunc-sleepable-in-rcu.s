; prog_type: syscall
; kfuncs: bpf_copy_from_user_str, bpf_rcu_read_lock, bpf_rcu_read_unlock
; prog_flags: sleepable
; what: a sleepable kfunc inside an RCU read section
; kernel: reject
; kernel-error: kernel func bpf_copy_from_user_str is sleepable within rcu_read_lock region
call kfunc#1
r1 = r10
r1 += -16
r2 = 16
r3 = 0
r4 = 0
call kfunc#0
call kfunc#2
r0 = 0
exit
