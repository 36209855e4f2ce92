; prog_type: sched_cls
; maps: v=array:4:8:1:0:spin_lock@0
; what: bpf_spin_lock on value + 4 when the lock is at offset 0
; kernel: reject
; kernel-error: off 4 doesn't point to 'struct bpf_spin_lock' that is at 0
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r6 = r0
r1 = r6
r1 += 4
call bpf_spin_lock#93
r1 = r6
r1 += 4
call bpf_spin_unlock#94
out:
r0 = 0
exit
