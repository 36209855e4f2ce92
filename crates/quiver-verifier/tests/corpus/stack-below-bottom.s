; prog_type: socket_filter
; what: a store 520 bytes below the frame pointer is outside the stack
; kernel: reject
; kernel-error: invalid write to stack R10 off=-520 size=8
*(u64 *)(r10 - 520) = 0
r0 = 0
exit
