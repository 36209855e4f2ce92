; prog_type: socket_filter
; what: an exit in the middle, reached by one path, and code after it reached by a jump
; kernel: accept
r2 = *(u32 *)(r1 + 0)
if r2 == 0 goto second
r0 = 0
exit
second:
r0 = 1
exit
