; prog_type: socket_filter
; prog_flags: sleepable
; maps: a=array:4:8:1
; what: a socket filter loaded with BPF_F_SLEEPABLE
; kernel: reject
; kernel-error: Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit
