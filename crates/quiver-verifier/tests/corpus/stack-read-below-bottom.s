; prog_type: socket_filter
; what: a load 520 bytes below the frame pointer
; kernel: reject
; kernel-error: invalid read from stack R10 off=-520 size=8
r0 = *(u64 *)(r10 - 520)
exit
