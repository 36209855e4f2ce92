; prog_type: socket_filter
; what: a jump to itself
; kernel: reject
; kernel-error: infinite loop detected at insn 1
r0 = 0
L:
goto L
