; prog_type: socket_filter
; btf: func_info
; what: three functions with BTF func info: main calls sub, which calls sub2
; kernel: accept
call sub
r0 = 0
exit
sub:
call sub2
exit
sub2:
r0 = 1
exit
