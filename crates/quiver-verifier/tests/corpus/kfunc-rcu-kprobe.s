; prog_type: kprobe
; kfuncs: bpf_rcu_read_lock, bpf_rcu_read_unlock
; what: bpf_rcu_read_lock and unlock in a kprobe
; kernel: accept
call kfunc#0
call kfunc#1
r0 = 0
exit
