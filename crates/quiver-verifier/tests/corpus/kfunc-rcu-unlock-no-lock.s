; prog_type: socket_filter
; kfuncs: bpf_rcu_read_lock, bpf_rcu_read_unlock
; what: bpf_rcu_read_unlock without a lock
; kernel: reject
; kernel-error: unmatched rcu read unlock (kernel function bpf_rcu_read_unlock)
call kfunc#1
r0 = 0
exit
