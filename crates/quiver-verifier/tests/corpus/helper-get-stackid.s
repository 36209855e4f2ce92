; prog_type: kprobe
; maps: st=stack_trace:4:64:16
; what: bpf_get_stackid with a stack_trace map
; kernel: accept
r2 = map_fd(0) ll
r3 = 0
call bpf_get_stackid#27
r0 = 0
exit
