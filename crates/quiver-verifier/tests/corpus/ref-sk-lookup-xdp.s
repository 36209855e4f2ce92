; prog_type: xdp
; what: bpf_sk_lookup_tcp from XDP with its xdp_md ctx
; kernel: accept
*(u64 *)(r10 - 16) = 0
*(u32 *)(r10 - 8) = 0
r2 = r10
r2 += -16
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
