; prog_type: socket_filter
; maps: values=array:4:8:1
; what: a 4-byte store of a stack pointer into a map value (a partial pointer leak, privileged)
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r1 = r10
*(u32 *)(r0 + 0) = r1
out:
r0 = 0
exit
