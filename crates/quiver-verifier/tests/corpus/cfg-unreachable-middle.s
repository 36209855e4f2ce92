; prog_type: socket_filter
; what: an instruction skipped by an unconditional jump is unreachable
; kernel: reject
; kernel-error: unreachable insn 2
r0 = 0
goto out
r0 = 1
out:
exit
