; prog_type: socket_filter
; what: LD_ABS with r6 not holding the ctx
; kernel: reject
; kernel-error: at the time of BPF_LD_ABS|IND R6 != pointer to skb
r6 = 0
r0 = *(u8 *)skb[12]
exit
