; prog_type: xdp
; what: XDP may return 100: its return value is not range-checked at load
; kernel: accept
r0 = 100
exit
