; prog_type: socket_filter
; maps: values=array:4:8:1
; what: masking a map value pointer with &
; kernel: reject
; kernel-error: R0 bitwise operator &= on pointer prohibited
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r0 &= -8
out:
r0 = 0
exit
