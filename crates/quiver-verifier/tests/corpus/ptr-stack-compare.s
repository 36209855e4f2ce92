; prog_type: socket_filter
; what: comparing two stack pointers (privileged)
; kernel: accept
r2 = r10
r2 += -8
r3 = r10
r3 += -16
r0 = 0
if r2 > r3 goto out
r0 = 1
out:
exit
