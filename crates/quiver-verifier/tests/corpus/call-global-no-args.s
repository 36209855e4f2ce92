; prog_type: socket_filter
; btf: func_info, global=1:0
; what: a global function taking no arguments, called from main
; kernel: accept
call sub
exit
sub:
r0 = 0
exit
