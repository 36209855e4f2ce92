; prog_type: socket_filter
; maps: wo=array:4:8:1:wronly_prog
; what: reading a value of a map created with BPF_F_WRONLY_PROG
; kernel: reject
; kernel-error: read from map forbidden, value_size=8 off=0 size=8
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
