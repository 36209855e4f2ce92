; prog_type: socket_filter
; btf: func_info, global=1:1
; what: passing a stack pointer to a global function's int argument
; kernel: reject
; kernel-error: Caller passes invalid args into func#1 ('f1')
r1 = r10
call sub
exit
sub:
r0 = 0
exit
