; prog_type: socket_filter
; what: a pointer in r2 is gone after a helper call
; kernel: reject
; kernel-error: R2 !read_ok
r2 = r10
call bpf_ktime_get_ns#5
r0 = *(u64 *)(r2 - 8)
exit
