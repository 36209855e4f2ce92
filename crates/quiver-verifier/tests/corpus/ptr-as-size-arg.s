; prog_type: kprobe
; what: a pointer where bpf_probe_read_kernel wants a constant size
; kernel: reject
; kernel-error: R2 type=fp expected=scalar
r1 = r10
r1 += -8
r2 = r10
r3 = 0
call bpf_probe_read_kernel#113
r0 = 0
exit
