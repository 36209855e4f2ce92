; prog_type: sched_cls
; what: bpf_sk_lookup_tcp with a 12-byte tuple size over only 8 bytes of stack
; kernel: reject
; kernel-error: invalid read from stack R2 off=-8 size=12
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = 12
r4 = -1
r5 = 0
call bpf_sk_lookup_tcp#84
if r0 == 0 goto out
r1 = r0
call bpf_sk_release#86
out:
r0 = 0
exit
