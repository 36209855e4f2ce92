; prog_type: kprobe
; kfuncs: bpf_task_acquire, bpf_task_release
; what: bpf_task_acquire is not in the kfunc set offered to kprobes
; kernel: reject
; kernel-error: calling kernel function bpf_task_acquire is not allowed
call bpf_get_current_task_btf#158
r1 = r0
call kfunc#0
if r0 == 0 goto out
r1 = r0
call kfunc#1
out:
r0 = 0
exit
