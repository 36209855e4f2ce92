; prog_type: socket_filter
; maps: values=array:4:8:1
; what: returning the unchecked lookup result (map_value_or_null) from a socket filter (privileged)
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
exit
