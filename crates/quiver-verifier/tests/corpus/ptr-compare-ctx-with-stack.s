; prog_type: socket_filter
; what: comparing the ctx pointer with a stack pointer (privileged)
; kernel: accept
r2 = r10
r0 = 0
if r1 == r2 goto out
r0 = 1
out:
exit
