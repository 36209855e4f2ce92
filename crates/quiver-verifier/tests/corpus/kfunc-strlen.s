; prog_type: socket_filter
; kfuncs: bpf_strlen
; what: bpf_strlen on a string on the stack
; kernel: accept
r1 = 0x6968
*(u64 *)(r10 - 8) = r1
r1 = r10
r1 += -8
call kfunc#0
r0 = 0
exit
