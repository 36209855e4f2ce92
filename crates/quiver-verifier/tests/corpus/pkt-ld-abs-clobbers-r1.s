; prog_type: socket_filter
; what: LD_ABS clobbers r1-r5 like a call
; kernel: reject
; kernel-error: R2 !read_ok
r6 = r1
r2 = 1
r0 = *(u8 *)skb[0]
r0 = r2
exit
