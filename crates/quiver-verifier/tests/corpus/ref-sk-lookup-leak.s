; prog_type: sched_cls
; what: a socket from bpf_sk_lookup_tcp never released
; kernel: reject
; kernel-error: BPF_EXIT instruction in main prog would lead to reference leak
*(u64 *)(r10 - 16) = 0
*(u32 *)(r10 - 8) = 0
r2 = r10
r2 += -16
r3 = 12
r4 = -1
r5 = 0
call bpf_sk_lookup_tcp#84
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
out:
r0 = 0
exit
