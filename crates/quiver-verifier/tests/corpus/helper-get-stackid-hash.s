; prog_type: kprobe
; maps: h=hash:4:64:16
; what: bpf_get_stackid with a hash map
; kernel: reject
; kernel-error: cannot pass map_type 1 into func bpf_get_stackid#27
r2 = map_fd(0) ll
r3 = 0
call bpf_get_stackid#27
r0 = 0
exit
