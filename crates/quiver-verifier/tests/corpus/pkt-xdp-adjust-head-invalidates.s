; prog_type: xdp
; what: bpf_xdp_adjust_head invalidates packet pointers checked before it
; kernel: reject
; kernel-error: R7 invalid mem access 'scalar'
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r6 = r1
r4 = r2
r4 += 14
if r4 > r3 goto out
r7 = r2
r1 = r6
r2 = 0
call bpf_xdp_adjust_head#44
r0 = *(u8 *)(r7 + 0)
out:
r0 = 2
exit
