; prog_type: socket_filter
; maps: a=array:4:8:1
; btf: func_info
; what: a counter the callback increments in the caller's stack can exceed 7 after bpf_loop, so it cannot index an 8-byte map value
; kernel: reject
; kernel-error: invalid access to map value, value_size=8 off=8 size=1
*(u64 *)(r10 - 8) = 0
r1 = 10
r2 = func(cb) ll
r3 = r10
r3 += -8
r4 = 0
call bpf_loop#181
r6 = *(u64 *)(r10 - 8)
r1 = 0
*(u32 *)(r10 - 16) = r1
r2 = r10
r2 += -16
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r0 += r6
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit
cb:
r1 = *(u64 *)(r2 + 0)
r1 += 1
*(u64 *)(r2 + 0) = r1
r0 = 0
exit
