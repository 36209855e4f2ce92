; prog_type: socket_filter
; what: two frames of 256 bytes: exactly the 512-byte combined limit
; kernel: accept
*(u64 *)(r10 - 256) = 0
call sub
r0 = 0
exit
sub:
*(u64 *)(r10 - 256) = 0
r0 = 0
exit
