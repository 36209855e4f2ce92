; prog_type: socket_filter
; maps: ro=array:4:8:1:rdonly_prog
; what: an atomic add into a BPF_F_RDONLY_PROG map value
; kernel: reject
; kernel-error: write into map forbidden, value_size=8 off=0 size=8
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r1 = 1
lock *(u64 *)(r0 + 0) += r1
out:
r0 = 0
exit
