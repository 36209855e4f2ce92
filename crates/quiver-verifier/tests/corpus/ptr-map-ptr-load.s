; prog_type: socket_filter
; maps: values=array:4:8:1
; what: a load through a map pointer (struct bpf_map) at offset 0
; kernel: accept
r1 = map_fd(0) ll
r0 = *(u64 *)(r1 + 0)
r0 = 0
exit
