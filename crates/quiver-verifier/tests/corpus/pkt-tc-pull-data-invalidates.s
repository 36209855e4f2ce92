; prog_type: sched_cls
; what: bpf_skb_pull_data invalidates packet pointers checked before it
; kernel: reject
; kernel-error: R7 invalid mem access 'scalar'
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r6 = r1
r4 = r2
r4 += 14
if r4 > r3 goto out
r7 = r2
r1 = r6
r2 = 14
call bpf_skb_pull_data#39
r0 = *(u8 *)(r7 + 0)
out:
r0 = 0
exit
