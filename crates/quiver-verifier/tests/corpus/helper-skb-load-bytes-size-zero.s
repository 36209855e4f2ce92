; prog_type: sched_cls
; what: bpf_skb_load_bytes with length 0 (ARG_CONST_SIZE, not _OR_ZERO)
; kernel: reject
; kernel-error: R4 invalid zero-sized read: u64=[0,0]
r2 = 0
r3 = r10
r3 += -8
r4 = 0
call bpf_skb_load_bytes#26
r0 = 0
exit
