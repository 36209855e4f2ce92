; prog_type: kprobe
; what: a kprobe writes pt_regs->ax: kprobe ctx is read-only
; kernel: reject
; kernel-error: invalid bpf_context access off=80 size=8
r2 = 0
*(u64 *)(r1 + 80) = r2
r0 = 0
exit
