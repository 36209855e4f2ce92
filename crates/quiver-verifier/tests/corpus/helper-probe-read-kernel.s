; prog_type: kprobe
; what: bpf_probe_read_kernel into an 8-byte stack buffer
; kernel: accept
r1 = r10
r1 += -8
r2 = 8
r3 = 0
call bpf_probe_read_kernel#113
r0 = 0
exit
