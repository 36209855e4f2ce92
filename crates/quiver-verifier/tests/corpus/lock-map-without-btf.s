; prog_type: sched_cls
; maps: v=array:4:8:1
; what: bpf_spin_lock on a map value of a map created without BTF
; kernel: reject
; kernel-error: map 'v' has to have BTF in order to use bpf_spin_lock
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r6 = r0
r1 = r6
call bpf_spin_lock#93
r1 = r6
call bpf_spin_unlock#94
out:
r0 = 0
exit
