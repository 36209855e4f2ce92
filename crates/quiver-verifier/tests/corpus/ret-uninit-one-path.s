; prog_type: socket_filter
; what: r0 set on one path only before exit
; kernel: reject
; kernel-error: R0 !read_ok
r2 = *(u32 *)(r1 + 0)
if r2 == 0 goto out
r0 = 1
out:
exit
