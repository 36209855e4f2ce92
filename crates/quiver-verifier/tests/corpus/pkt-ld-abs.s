; prog_type: socket_filter
; what: a legacy LD_ABS packet load with the ctx in r6
; kernel: accept
r6 = r1
r0 = *(u8 *)skb[12]
exit
