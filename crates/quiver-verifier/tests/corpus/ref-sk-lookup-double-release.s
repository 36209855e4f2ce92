; prog_type: sched_cls
; what: a socket released twice
; kernel: reject
; kernel-error: R1 type=scalar expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_
*(u64 *)(r10 - 16) = 0
*(u32 *)(r10 - 8) = 0
r2 = r10
r2 += -16
r3 = 12
r4 = -1
r5 = 0
call bpf_sk_lookup_tcp#84
if r0 == 0 goto out
r6 = r0
r1 = r6
call bpf_sk_release#86
r1 = r6
call bpf_sk_release#86
out:
r0 = 0
exit
