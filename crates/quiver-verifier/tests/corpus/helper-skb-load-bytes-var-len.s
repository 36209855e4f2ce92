; prog_type: sched_cls
; what: bpf_skb_load_bytes with a length in [1, 8] into an 8-byte buffer
; kernel: accept
r4 = *(u32 *)(r1 + 0)
r4 &= 7
r4 += 1
r2 = 0
r3 = r10
r3 += -8
call bpf_skb_load_bytes#26
r0 = 0
exit
