; prog_type: socket_filter
; what: an 8-byte store at r10-4 is misaligned: stack accesses are always checked for alignment
; kernel: reject
; kernel-error: misaligned stack access off 0+0+-4 size 8
*(u64 *)(r10 - 4) = 0
r0 = 0
exit
