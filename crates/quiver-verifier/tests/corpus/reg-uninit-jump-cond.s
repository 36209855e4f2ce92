; prog_type: socket_filter
; what: comparing a never-written register (r5)
; kernel: reject
; kernel-error: R5 !read_ok
r0 = 0
if r5 > 0 goto out
r0 = 1
out:
exit
