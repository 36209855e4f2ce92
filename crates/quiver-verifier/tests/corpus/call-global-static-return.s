; prog_type: socket_filter
; maps: a=array:4:8:1
; btf: func_info
; what: the same subprogram as call-global-unknown-return but static: its bounds flow back to the caller
; kernel: accept
r1 = *(u32 *)(r1 + 0)
call sub
r6 = r0
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r0 += r6
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit
sub:
r0 = r1
r0 &= 7
exit
