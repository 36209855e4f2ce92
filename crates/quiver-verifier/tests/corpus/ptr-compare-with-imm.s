; prog_type: socket_filter
; what: comparing a stack pointer with an immediate (privileged)
; kernel: accept
r2 = r10
r0 = 0
if r2 > 1000 goto out
r0 = 1
out:
exit
