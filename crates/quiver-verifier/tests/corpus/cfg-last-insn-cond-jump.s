; prog_type: socket_filter
; what: the last instruction is a conditional jump backwards, so the fall-through leaves the program
; kernel: reject
; kernel-error: last insn is not an exit or jmp
r0 = 0
L:
r0 += 1
if r0 < 3 goto L
