; prog_type: syscall
; maps: a=array:4:8:1
; what: a non-sleepable syscall program with a map (syscall programs must be sleepable)
; kernel: reject
; kernel-error: Syscall programs can only be sleepable
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
