; prog_type: kprobe
; what: bpf_get_current_comm into a 16-byte stack buffer
; kernel: accept
r1 = r10
r1 += -16
r2 = 16
call bpf_get_current_comm#16
r0 = 0
exit
