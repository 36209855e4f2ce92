; prog_type: sched_cls
; kfuncs: bpf_task_acquire, bpf_task_release
; what: bpf_task_acquire on the current task, null-checked, then bpf_task_release
; kernel: accept
call bpf_get_current_task_btf#158
r1 = r0
call kfunc#0
if r0 == 0 goto out
r1 = r0
call kfunc#1
out:
r0 = 0
exit
