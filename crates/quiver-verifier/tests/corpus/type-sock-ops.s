; prog_type: sock_ops
; what: a sock_ops program reads bpf_sock_ops.op
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r0 = 1
exit
