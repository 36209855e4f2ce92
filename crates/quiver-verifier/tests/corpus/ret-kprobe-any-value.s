; prog_type: kprobe
; what: a kprobe may return any value
; kernel: accept
r0 = -1
exit
