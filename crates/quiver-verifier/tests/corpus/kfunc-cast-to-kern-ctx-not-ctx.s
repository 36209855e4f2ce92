; prog_type: sched_cls
; kfuncs: bpf_cast_to_kern_ctx
; what: bpf_cast_to_kern_ctx with a stack pointer
; kernel: reject
; kernel-error: arg#0 expected pointer to ctx, but got fp
r1 = r10
r1 += -8
call kfunc#0
r0 = 0
exit
