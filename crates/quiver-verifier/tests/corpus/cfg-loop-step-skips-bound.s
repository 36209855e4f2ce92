; prog_type: socket_filter
; what: a counter stepping by 2 from 0 never equals 11, so the loop never ends
; kernel: reject
; kernel-error: BPF program is too large. Processed 1000001 insn
r1 = 0
L:
r1 += 2
if r1 != 11 goto L
r0 = 0
exit
