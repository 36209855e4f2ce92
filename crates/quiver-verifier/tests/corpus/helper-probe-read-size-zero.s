; prog_type: kprobe
; what: bpf_probe_read_kernel with size 0 (ARG_CONST_SIZE_OR_ZERO)
; kernel: accept
r1 = r10
r1 += -8
r2 = 0
r3 = 0
call bpf_probe_read_kernel#113
r0 = 0
exit
