; prog_type: socket_filter
; btf: func_info
; what: a static subprogram described by BTF func info
; kernel: accept
r1 = 1
call sub
exit
sub:
r0 = r1
exit
