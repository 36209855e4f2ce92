; prog_type: kprobe
; what: bpf_probe_read_kernel into 16 bytes starting 8 below the frame pointer
; kernel: reject
; kernel-error: invalid write to stack R1 off=-8 size=16
r1 = r10
r1 += -8
r2 = 16
r3 = 0
call bpf_probe_read_kernel#113
r0 = 0
exit
