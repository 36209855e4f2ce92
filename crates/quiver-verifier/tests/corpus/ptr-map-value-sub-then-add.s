; prog_type: socket_filter
; maps: values=array:4:16:1
; what: a map value pointer moved back by 8 then forward by 12 reads at offset 4
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r0 += -8
r0 += 12
r0 = *(u32 *)(r0 + 0)
out:
r0 = 0
exit
