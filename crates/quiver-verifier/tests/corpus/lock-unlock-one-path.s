; prog_type: sched_cls
; maps: v=array:4:8:1:0:spin_lock@0
; what: the lock is released on one path only
; kernel: reject
; kernel-error: BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region
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
r1 = *(u32 *)(r6 + 4)
if r1 == 0 goto out
r1 = r6
call bpf_spin_unlock#94
out:
r0 = 0
exit
