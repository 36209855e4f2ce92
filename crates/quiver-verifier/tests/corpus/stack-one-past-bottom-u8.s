; prog_type: socket_filter
; what: a byte store at r10-513, one past the bottom of the stack
; kernel: reject
; kernel-error: invalid write to stack R10 off=-513 size=1
*(u8 *)(r10 - 513) = 7
r0 = 0
exit
