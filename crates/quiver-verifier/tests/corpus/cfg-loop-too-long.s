; prog_type: socket_filter
; what: a loop of ten million iterations exceeds the 1M instruction budget
; kernel: reject
; kernel-error: BPF program is too large. Processed 1000001 insn
r1 = 0
L:
r1 += 1
if r1 < 10000000 goto L
r0 = 0
exit
