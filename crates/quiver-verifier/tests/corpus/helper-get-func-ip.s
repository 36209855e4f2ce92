; prog_type: kprobe
; what: bpf_get_func_ip from a kprobe
; kernel: accept
call bpf_get_func_ip#173
r0 = 0
exit
