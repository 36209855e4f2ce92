; prog_type: socket_filter
; what: a store at r10+0 is above the stack
; kernel: reject
; kernel-error: invalid write to stack R10 off=0 size=8
*(u64 *)(r10 + 0) = 0
r0 = 0
exit
