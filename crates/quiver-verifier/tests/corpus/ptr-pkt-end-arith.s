; prog_type: xdp
; what: arithmetic on data_end
; kernel: reject
; kernel-error: R3 pointer arithmetic on pkt_end prohibited
r3 = *(u32 *)(r1 + 4)
r3 += -4
r0 = 2
exit
