; prog_type: sched_cls
; maps: v=array:4:8:1:0:spin_lock@0
; what: a direct load of the bpf_spin_lock word
; kernel: reject
; kernel-error: bpf_spin_lock cannot be accessed directly by load/store
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r6 = r0
r1 = *(u32 *)(r6 + 0)
out:
r0 = 0
exit
