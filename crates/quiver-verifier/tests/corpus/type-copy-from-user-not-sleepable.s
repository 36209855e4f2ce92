; prog_type: kprobe
; maps: a=array:4:8:1
; what: bpf_copy_from_user (sleepable helper 148) from a non-sleepable kprobe
; kernel: reject
; kernel-error: helper call might sleep in a non-sleepable prog
r1 = r10
r1 += -8
r2 = 8
r3 = 0
call bpf_copy_from_user#148
r0 = 0
exit
