; prog_type: socket_filter
; what: a program whose last instruction is not exit or a jump
; kernel: reject
; kernel-error: last insn is not an exit or jmp
r0 = 0
if r0 == 0 goto out
exit
out:
r0 = 1
