; prog_type: socket_filter
; what: an 8-byte write of cb[0] and cb[1] together
; kernel: accept
r2 = 1
*(u64 *)(r1 + 48) = r2
r0 = 0
exit
