; prog_type: socket_filter
; btf: func_info
; maps: jmp=prog_array:4:4:4
; what: bpf_tail_call from a subprogram whose caller uses more than 256 bytes of stack
; kernel: reject
; kernel-error: tail_calls are not allowed when call stack of previous frames is 272 bytes. Too large
*(u64 *)(r10 - 264) = 0
call sub
r0 = 0
exit
sub:
r2 = map_fd(0) ll
r3 = 0
call bpf_tail_call#12
r0 = 0
exit
