; prog_type: socket_filter
; kfuncs: bpf_rcu_read_lock, bpf_rcu_read_unlock
; what: bpf_rcu_read_lock without the unlock
; kernel: reject
; kernel-error: BPF_EXIT instruction in main prog cannot be used inside bpf_rcu_read_lock-ed region
call kfunc#0
r0 = 0
exit
