; prog_type: socket_filter
; what: r1-r5 are unreadable in the caller after a bpf-to-bpf call
; kernel: reject
; kernel-error: R2 !read_ok
r2 = 1
call sub
r0 = r2
exit
sub:
r0 = 0
exit
