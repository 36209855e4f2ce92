; prog_type: socket_filter
; what: LD_ABS of a byte leaves a value in [0, 255] in r0
; kernel: accept
r6 = r1
r0 = *(u8 *)skb[0]
exit
