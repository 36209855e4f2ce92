; prog_type: socket_filter
; maps: values=array:4:8:1
; what: w6 < 8 bounds r6 when r6 came from a 32-bit load (upper half known zero)
; kernel: accept
r6 = *(u32 *)(r1 + 0)
if w6 > 7 goto out2
goto go
out2:
r6 = 0
go:
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
