; prog_type: socket_filter
; what: signed division by the immediate 0 (cpu v4)
; kernel: reject
; kernel-error: div by zero
r0 = 5
r0 s/= 0
exit
