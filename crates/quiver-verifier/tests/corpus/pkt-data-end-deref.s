; prog_type: xdp
; what: a load through data_end itself
; kernel: reject
; kernel-error: R3 invalid mem access 'pkt_end'
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r0 = *(u8 *)(r3 + 0)
r0 = 2
exit
