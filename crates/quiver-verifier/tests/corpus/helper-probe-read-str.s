; prog_type: kprobe
; what: bpf_probe_read_kernel_str into a 16-byte stack buffer
; kernel: accept
r1 = r10
r1 += -16
r2 = 16
r3 = 0
call bpf_probe_read_kernel_str#115
r0 = 0
exit
