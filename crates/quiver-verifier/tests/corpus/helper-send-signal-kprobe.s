; prog_type: kprobe
; what: bpf_send_signal from a kprobe
; kernel: accept
r1 = 9
call bpf_send_signal#109
r0 = 0
exit
