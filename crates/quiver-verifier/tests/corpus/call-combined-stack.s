; prog_type: socket_filter
; what: two frames of 320 bytes exceed the 512-byte combined stack
; kernel: reject
; kernel-error: combined stack size of 2 calls is 640. Too large
*(u64 *)(r10 - 320) = 0
call sub
r0 = 0
exit
sub:
*(u64 *)(r10 - 320) = 0
r0 = 0
exit
