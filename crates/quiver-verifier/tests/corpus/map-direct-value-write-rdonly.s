; prog_type: socket_filter
; maps: ro=array:4:8:1:rdonly_prog
; what: a store through direct value access into a BPF_F_RDONLY_PROG array
; kernel: reject
; kernel-error: write into map forbidden, value_size=8 off=0 size=8
r1 = map_value(0, 0) ll
*(u64 *)(r1 + 0) = 1
r0 = 0
exit
