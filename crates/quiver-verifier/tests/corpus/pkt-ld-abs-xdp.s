; prog_type: xdp
; what: LD_ABS is for socket filters and tc, not XDP
; kernel: reject
; kernel-error: BPF_LD_[ABS|IND] instructions not allowed for this program type
r6 = r1
r0 = *(u8 *)skb[12]
r0 = 2
exit
