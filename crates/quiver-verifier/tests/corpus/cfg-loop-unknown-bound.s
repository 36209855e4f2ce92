; prog_type: socket_filter
; what: a loop bounded by a value from ctx that is never clamped
; kernel: reject
; kernel-error: BPF program is too large. Processed 1000001 insn
r2 = *(u32 *)(r1 + 0)
r1 = 0
L:
r1 += 1
if r1 < r2 goto L
r0 = 0
exit
