; prog_type: socket_filter
; what: a jump into the second slot of an LD_IMM64
; kernel: reject
; kernel-error: jump into the middle of ldimm64 insn 2
r0 = 0
if r0 == 0 goto +1
r1 = 0x100000000 ll
exit
