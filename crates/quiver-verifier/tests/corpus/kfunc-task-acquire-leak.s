; prog_type: sched_cls
; kfuncs: bpf_task_acquire, bpf_task_release
; what: a task reference from bpf_task_acquire never released
; kernel: reject
; kernel-error: BPF_EXIT instruction in main prog would lead to reference leak
call bpf_get_current_task_btf#158
r1 = r0
call kfunc#0
if r0 == 0 goto out
out:
r0 = 0
exit
