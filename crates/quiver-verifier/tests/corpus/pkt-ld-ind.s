; prog_type: socket_filter
; what: a legacy LD_IND packet load
; kernel: accept
r6 = r1
r7 = 2
r0 = *(u16 *)skb[r7 + 12]
exit
