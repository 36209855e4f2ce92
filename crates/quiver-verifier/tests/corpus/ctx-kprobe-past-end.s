; prog_type: kprobe
; what: a kprobe reads at offset 168, just past struct pt_regs
; kernel: reject
; kernel-error: invalid bpf_context access off=168 size=8
r2 = *(u64 *)(r1 + 168)
r0 = 0
exit
