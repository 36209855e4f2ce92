; prog_type: socket_filter
; what: a misaligned 4-byte stack access: the stack is strict about alignment even on x86
; kernel: reject
; kernel-error: misaligned stack access off 0+0+-6 size 4
*(u32 *)(r10 - 6) = 0
r0 = *(u32 *)(r10 - 6)
exit
