; prog_type: socket_filter
; what: an atomic fetch-add on the stack returns the old value in the source register
; kernel: accept
*(u64 *)(r10 - 8) = 5
r1 = 1
r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)
r0 = r1
exit
