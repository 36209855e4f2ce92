; prog_type: sched_cls
; kfuncs: bpf_task_acquire, bpf_task_release
; what: a task reference released twice
; kernel: reject
; kernel-error: arg#0 pointer type STRUCT task_struct must point to scalar, or struct with scalar
call bpf_get_current_task_btf#158
r1 = r0
call kfunc#0
if r0 == 0 goto out
r6 = r0
r1 = r6
call kfunc#1
r1 = r6
call kfunc#1
out:
r0 = 0
exit
