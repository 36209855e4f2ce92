; prog_type: sched_cls
; what: bpf_sk_release of a socket that may be NULL
; kernel: reject
; kernel-error: R1 type=sock_or_null expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_
*(u64 *)(r10 - 16) = 0
*(u32 *)(r10 - 8) = 0
r2 = r10
r2 += -16
r3 = 12
r4 = -1
r5 = 0
call bpf_sk_lookup_tcp#84
r1 = r0
call bpf_sk_release#86
r0 = 0
exit
