; prog_type: socket_filter
; what: LD_ABS in a subprogram without BTF
; kernel: reject
; kernel-error: LD_ABS is not allowed in subprogs without BTF
r6 = r1
call sub
exit
sub:
r0 = *(u8 *)skb[0]
exit
