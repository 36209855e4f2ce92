; prog_type: socket_filter
; what: a loop whose condition never changes
; kernel: reject
; kernel-error: infinite loop detected at insn 1
r1 = 0
L:
if r1 == 0 goto L
r0 = 0
exit
