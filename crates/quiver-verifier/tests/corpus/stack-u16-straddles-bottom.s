; prog_type: socket_filter
; what: a 2-byte store at r10-513 overlaps the stack by one byte only
; kernel: reject
; kernel-error: invalid write to stack R10 off=-514 size=2
*(u16 *)(r10 - 514) = 7
r0 = 0
exit
