; prog_type: kprobe
; what: bpf_probe_read_kernel with a size masked to [0, 7] into an 8-byte buffer
; kernel: accept
r6 = *(u64 *)(r1 + 112)
r6 &= 7
r1 = r10
r1 += -8
r2 = r6
r3 = 0
call bpf_probe_read_kernel#113
r0 = 0
exit
