; prog_type: kprobe
; prog_flags: sleepable
; maps: a=array:4:8:1
; what: a kprobe loaded with BPF_F_SLEEPABLE (allowed at load: a sleepable kprobe program may only be attached as a uprobe)
; kernel: accept
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
