; prog_type: kprobe
; what: bpf_probe_read_kernel with a size that is only bounded above (signed), so it may be negative
; kernel: reject
; kernel-error: R2 min value is negative, either use unsigned or 'var &= const'
r6 = *(u64 *)(r1 + 112)
if r6 s> 8 goto out
r1 = r10
r1 += -8
r2 = r6
r3 = 0
call bpf_probe_read_kernel#113
out:
r0 = 0
exit
