; prog_type: sched_cls
; what: bpf_sk_release of __sk_buff.sk, which is not a referenced socket
; kernel: reject
; kernel-error: R1 must be referenced when passed to release function
r2 = *(u64 *)(r1 + 168)
if r2 == 0 goto out
r1 = r2
call bpf_sk_release#86
out:
r0 = 0
exit
