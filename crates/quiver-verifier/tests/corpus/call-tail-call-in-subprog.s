; prog_type: socket_filter
; maps: jmp=prog_array:4:4:4
; btf: func_info
; what: bpf_tail_call from a static subprogram with BTF func info (allowed with the JIT when frames are small)
; kernel: accept
r6 = r1
call sub
r0 = 0
exit
sub:
r2 = map_fd(0) ll
r3 = 0
call bpf_tail_call#12
r0 = 0
exit
