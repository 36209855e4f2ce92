; prog_type: sched_cls
; kfuncs: bpf_cast_to_kern_ctx
; what: writing through the struct sk_buff pointer from bpf_cast_to_kern_ctx
; kernel: reject
; kernel-error: only read is supported
call kfunc#0
r1 = 0
*(u64 *)(r0 + 0) = r1
r0 = 0
exit
