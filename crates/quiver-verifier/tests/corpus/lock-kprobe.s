; prog_type: kprobe
; maps: v=array:4:8:1:0:spin_lock@0
; what: bpf_spin_lock in a kprobe
; kernel: reject
; kernel-error: tracing progs cannot use bpf_spin_lock yet
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
