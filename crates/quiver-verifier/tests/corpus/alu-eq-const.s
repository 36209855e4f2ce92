; prog_type: socket_filter
; maps: values=array:4:8:1
; what: on the branch x == 5 the verifier knows x
; kernel: accept
r6 = *(u32 *)(r1 + 0)
if r6 == 5 goto go
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
