; prog_type: sk_msg
; what: an sk_msg program returning SK_PASS
; kernel: accept
r0 = 1
exit
