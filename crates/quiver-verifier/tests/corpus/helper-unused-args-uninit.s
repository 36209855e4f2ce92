; prog_type: socket_filter
; what: a helper with no arguments does not read r1-r5
; kernel: accept
r1 = r10
call bpf_get_prandom_u32#7
r0 = 0
exit
