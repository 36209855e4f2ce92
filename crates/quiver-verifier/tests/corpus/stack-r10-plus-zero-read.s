; prog_type: socket_filter
; what: a read at r10+0 is above the stack
; kernel: reject
; kernel-error: invalid read from stack R10 off=0 size=1
r0 = *(u8 *)(r10 + 0)
exit
