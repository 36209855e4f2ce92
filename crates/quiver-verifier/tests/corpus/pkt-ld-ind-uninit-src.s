; prog_type: socket_filter
; what: LD_IND with a never-written index register
; kernel: reject
; kernel-error: R7 !read_ok
r6 = r1
r0 = *(u8 *)skb[r7 + 0]
exit
