; prog_type: socket_filter
; what: (s32) with a 64-bit destination is the sign extension of the low half
; kernel: accept
r0 = -1
r0 = (s32)r0
r0 &= 1
exit
