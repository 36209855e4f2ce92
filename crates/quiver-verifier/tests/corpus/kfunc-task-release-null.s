; prog_type: sched_cls
; kfuncs: bpf_task_acquire, bpf_task_release
; what: bpf_task_release on the result of bpf_task_acquire without the null check
; kernel: reject
; kernel-error: Possibly NULL pointer passed to trusted arg0
call bpf_get_current_task_btf#158
r1 = r0
call kfunc#0
r1 = r0
call kfunc#1
r0 = 0
exit
