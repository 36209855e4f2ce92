; prog_type: socket_filter
; btf: func_info
; what: LD_ABS in a static subprogram with BTF func info saying it returns int
; kernel: accept
call sub
exit
sub:
r6 = r1
r0 = *(u8 *)skb[0]
exit
