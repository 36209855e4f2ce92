; prog_type: socket_filter
; what: a jump from the main program into a subprogram's body
; kernel: reject
; kernel-error: jump out of range from insn 1 to 5
r0 = 0
if r1 == 0 goto inside
call sub
exit
sub:
r0 = 1
inside:
exit
