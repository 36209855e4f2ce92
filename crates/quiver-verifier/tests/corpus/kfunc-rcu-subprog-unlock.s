; prog_type: socket_filter
; kfuncs: bpf_rcu_read_lock, bpf_rcu_read_unlock
; btf: func_info
; what: the RCU read section is opened in main and closed in a subprogram
; kernel: accept
call kfunc#0
call sub
r0 = 0
exit
sub:
call kfunc#1
r0 = 0
exit
