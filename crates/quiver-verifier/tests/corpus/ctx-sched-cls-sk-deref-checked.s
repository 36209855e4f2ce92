; prog_type: sched_cls
; what: __sk_buff.sk read after a null check (bpf_sock.bound_dev_if)
; kernel: accept
r2 = *(u64 *)(r1 + 168)
if r2 == 0 goto out
r0 = *(u32 *)(r2 + 0)
out:
r0 = 0
exit
