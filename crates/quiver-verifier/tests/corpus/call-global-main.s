; prog_type: socket_filter
; btf: func_info, global=0:1
; what: the main program's BTF FUNC has global linkage
; kernel: accept
r0 = 0
exit
