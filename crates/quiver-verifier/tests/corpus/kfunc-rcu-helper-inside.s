; prog_type: socket_filter
; kfuncs: bpf_rcu_read_lock, bpf_rcu_read_unlock
; what: a helper call inside an RCU read section
; kernel: accept
call kfunc#0
call bpf_ktime_get_ns#5
call kfunc#1
r0 = 0
exit
