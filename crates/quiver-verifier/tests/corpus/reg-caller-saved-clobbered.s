; prog_type: socket_filter
; what: r1-r5 are unreadable after a helper call
; kernel: reject
; kernel-error: R1 !read_ok
r6 = r1
call bpf_ktime_get_ns#5
r0 = r1
exit
