; prog_type: socket_filter
; btf: func_info, global=1:2
; what: a global function with int arguments, called with scalars
; kernel: accept
r1 = 1
r2 = 2
call sub
exit
sub:
r0 = r1
r0 += r2
exit
