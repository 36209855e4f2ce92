; prog_type: xdp
; what: returning the ctx pointer from XDP (privileged; XDP's return value is not range-checked)
; kernel: accept
r0 = r1
exit
