; prog_type: socket_filter
; kfuncs: bpf_rcu_read_lock, bpf_rcu_read_unlock
; what: bpf_rcu_read_lock then bpf_rcu_read_unlock
; kernel: accept
call kfunc#0
call kfunc#1
r0 = 0
exit
