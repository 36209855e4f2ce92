; prog_type: sched_cls
; what: LD_ABS while holding a socket reference
; kernel: reject
; kernel-error: BPF_LD_[ABS|IND] would lead to reference leak
r6 = r1
*(u64 *)(r10 - 16) = 0
*(u32 *)(r10 - 8) = 0
r2 = r10
r2 += -16
r3 = 12
r4 = -1
r5 = 0
call bpf_sk_lookup_tcp#84
if r0 == 0 goto out
r7 = r0
r0 = *(u8 *)skb[0]
r1 = r7
call bpf_sk_release#86
out:
r0 = 0
exit
