; prog_type: socket_filter
; maps: a=array:4:8:1
; btf: func_info
; what: bpf_loop's callback ctx must be a stack pointer or NULL; a map value is refused
; kernel: reject
; kernel-error: R3 type=map_value expected=fp
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r6 = r0
r1 = 10
r2 = func(cb) ll
r3 = r6
r4 = 0
call bpf_loop#181
out:
r0 = 0
exit
cb:
r1 = 1
*(u64 *)(r2 + 0) = r1
r0 = 0
exit
