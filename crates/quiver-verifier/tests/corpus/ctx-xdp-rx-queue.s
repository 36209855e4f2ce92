; prog_type: xdp
; what: xdp_md.rx_queue_index is readable
; kernel: accept
r2 = *(u32 *)(r1 + 16)
r0 = 2
exit
