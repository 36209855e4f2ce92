; prog_type: sched_cls
; what: bpf_skb_load_bytes of 8 bytes into the stack
; kernel: accept
r2 = 0
r3 = r10
r3 += -8
r4 = 8
call bpf_skb_load_bytes#26
r0 = 0
exit
