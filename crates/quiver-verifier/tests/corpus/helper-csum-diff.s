; prog_type: sched_cls
; what: bpf_csum_diff over two 4-byte stack buffers
; kernel: accept
*(u64 *)(r10 - 8) = 0
r1 = r10
r1 += -8
r2 = 4
r3 = r10
r3 += -4
r4 = 4
r5 = 0
call bpf_csum_diff#28
r0 = 0
exit
