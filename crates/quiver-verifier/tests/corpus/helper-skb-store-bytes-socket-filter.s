; prog_type: socket_filter
; what: bpf_skb_store_bytes from a socket filter
; kernel: reject
; kernel-error: program of this type cannot use helper bpf_skb_store_bytes#9
*(u64 *)(r10 - 8) = 0
r2 = 0
r3 = r10
r3 += -8
r4 = 8
r5 = 0
call bpf_skb_store_bytes#9
r0 = 0
exit
