; prog_type: socket_filter
; maps: a=array:4:16:1
; what: direct value access: map_value(0, 8) is a map value pointer at offset 8
; kernel: accept
r1 = map_value(0, 8) ll
r0 = *(u64 *)(r1 + 0)
r0 = 0
exit
