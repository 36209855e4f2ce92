; prog_type: socket_filter
; what: main calls two subprograms of 304 bytes one after the other: only one is on the stack at a time
; kernel: accept
*(u64 *)(r10 - 200) = 0
call sub1
call sub2
r0 = 0
exit
sub1:
*(u64 *)(r10 - 304) = 0
r0 = 0
exit
sub2:
*(u64 *)(r10 - 304) = 0
r0 = 0
exit
