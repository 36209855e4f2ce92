; prog_type: socket_filter
; what: r2 is written on one path only and read where the paths join
; kernel: reject
; kernel-error: R2 !read_ok
r1 = *(u32 *)(r1 + 0)
if r1 == 0 goto join
r2 = 1
join:
r0 = r2
exit
