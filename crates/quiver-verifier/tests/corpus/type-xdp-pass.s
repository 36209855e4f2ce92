; prog_type: xdp
; what: XDP returning XDP_PASS
; kernel: accept
r0 = 2
exit
