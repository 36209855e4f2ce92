; prog_type: kprobe
; what: bpf_get_current_task_btf returns a trusted task pointer
; kernel: accept
call bpf_get_current_task_btf#158
r0 = 0
exit
