; prog_type: socket_filter
; maps: jmp=prog_array:4:4:4
; what: bpf_tail_call from a subprogram needs BTF func info
; kernel: reject
; kernel-error: tail_call is not allowed in subprogs without BTF
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
