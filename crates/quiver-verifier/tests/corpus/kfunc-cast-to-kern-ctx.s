; prog_type: sched_cls
; kfuncs: bpf_cast_to_kern_ctx
; what: bpf_cast_to_kern_ctx turns the __sk_buff ctx into a struct sk_buff pointer that can be read
; kernel: accept
call kfunc#0
r1 = *(u64 *)(r0 + 0)
r0 = 0
exit
