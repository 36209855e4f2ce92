; prog_type: socket_filter
; what: three frames of 200 bytes exceed the 512-byte combined stack
; kernel: reject
; kernel-error: combined stack size of 3 calls is 624. Too large
*(u64 *)(r10 - 200) = 0
call sub1
r0 = 0
exit
sub1:
*(u64 *)(r10 - 200) = 0
call sub2
r0 = 0
exit
sub2:
*(u64 *)(r10 - 200) = 0
r0 = 0
exit
