; prog_type: socket_filter
; what: spilling a pointer at r10-12 is a misaligned 8-byte stack access
; kernel: reject
; kernel-error: misaligned stack access off 0+0+-12 size 8
*(u64 *)(r10 - 12) = r1
r0 = 0
exit
