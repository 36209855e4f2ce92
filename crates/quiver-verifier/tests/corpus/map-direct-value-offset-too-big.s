; prog_type: socket_filter
; maps: a=array:4:16:1
; what: direct value access with an offset at the end of the value
; kernel: reject
; kernel-error: invalid access to map value pointer, value_size=16 off=16
r1 = map_value(0, 16) ll
r0 = 0
exit
