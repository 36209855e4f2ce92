; prog_type: kprobe
; what: bpf_probe_read_kernel with a size checked to be <= 8 (unsigned)
; kernel: accept
r6 = *(u64 *)(r1 + 112)
if r6 > 8 goto out
r1 = r10
r1 += -8
r2 = r6
r3 = 0
call bpf_probe_read_kernel#113
out:
r0 = 0
exit
