; prog_type: xdp
; what: after bpf_xdp_adjust_head the program reloads data and data_end and checks again
; kernel: accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r6 = r1
r1 = r6
r2 = 0
call bpf_xdp_adjust_head#44
r2 = *(u32 *)(r6 + 0)
r3 = *(u32 *)(r6 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r2 + 0)
out:
r0 = 2
exit
