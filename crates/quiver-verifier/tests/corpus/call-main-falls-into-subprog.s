; prog_type: socket_filter
; what: the main program runs into the first instruction of a subprogram
; kernel: reject
; kernel-error: last insn is not an exit or jmp
call sub
r0 = 0
sub:
r0 = 0
exit
