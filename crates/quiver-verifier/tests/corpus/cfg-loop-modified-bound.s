; prog_type: socket_filter
; what: a loop whose bound grows with the counter never ends
; kernel: reject
; kernel-error: BPF program is too large. Processed 1000001 insn
r1 = 0
r2 = 10
L:
r1 += 1
r2 += 1
if r1 < r2 goto L
r0 = 0
exit
