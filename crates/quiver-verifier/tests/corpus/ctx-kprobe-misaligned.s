; prog_type: kprobe
; what: an 8-byte pt_regs read at offset 4
; kernel: reject
; kernel-error: invalid bpf_context access off=4 size=8
r2 = *(u64 *)(r1 + 4)
r0 = 0
exit
