; prog_type: lwt_in
; what: an lwt_in program writes __sk_buff.mark
; kernel: accept
r2 = 1
*(u32 *)(r1 + 8) = r2
r0 = 0
exit
