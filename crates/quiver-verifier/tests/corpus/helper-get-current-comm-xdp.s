; prog_type: xdp
; what: bpf_get_current_comm from XDP (the kernel offers it to every program type)
; kernel: accept
r1 = r10
r1 += -16
r2 = 16
call bpf_get_current_comm#16
r0 = 2
exit
