; prog_type: sk_skb
; what: an sk_skb program returning SK_PASS
; kernel: accept
r0 = 1
exit
