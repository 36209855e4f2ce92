; prog_type: kprobe
; what: bpf_probe_read_kernel with a size read from pt_regs, never bounded
; kernel: reject
; kernel-error: R2 min value is negative, either use unsigned or 'var &= const'
r6 = *(u64 *)(r1 + 112)
r1 = r10
r1 += -8
r2 = r6
r3 = 0
call bpf_probe_read_kernel#113
r0 = 0
exit
