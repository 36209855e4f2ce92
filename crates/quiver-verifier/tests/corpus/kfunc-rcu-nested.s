; prog_type: socket_filter
; kfuncs: bpf_rcu_read_lock, bpf_rcu_read_unlock
; what: two nested RCU read sections
; kernel: reject
; kernel-error: nested rcu read lock (kernel function bpf_rcu_read_lock)
call kfunc#0
call kfunc#0
call kfunc#1
call kfunc#1
r0 = 0
exit
