; prog_type: sched_cls
; what: tc may return any value
; kernel: accept
r0 = 1000
exit
