; prog_type: sched_cls
; what: a 1-byte write of __sk_buff.mark
; kernel: reject
; kernel-error: invalid bpf_context access off=8 size=1
r2 = 1
*(u8 *)(r1 + 8) = r2
r0 = 0
exit
