; prog_type: socket_filter
; kfuncs: bpf_rcu_read_lock, bpf_rcu_read_unlock
; what: the RCU read section is closed on one path only
; kernel: reject
; kernel-error: BPF_EXIT instruction in main prog cannot be used inside bpf_rcu_read_lock-ed region
r6 = *(u32 *)(r1 + 0)
call kfunc#0
if r6 == 0 goto out
call kfunc#1
out:
r0 = 0
exit
