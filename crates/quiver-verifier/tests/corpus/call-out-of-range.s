; prog_type: socket_filter
; what: a bpf-to-bpf call past the end of the program
; kernel: reject
; kernel-error: call to invalid destination
call pc+10
r0 = 0
exit
