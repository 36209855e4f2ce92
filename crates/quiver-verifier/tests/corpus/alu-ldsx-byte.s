; prog_type: socket_filter
; maps: values=array:4:256:1
; what: a sign-extending byte load from the stack lies in [-128, 127]; +128 indexes a 256-byte value
; kernel: accept
r7 = *(u32 *)(r1 + 0)
*(u8 *)(r10 - 16) = r7
r6 = *(s8 *)(r10 - 16)
r6 += 128
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
