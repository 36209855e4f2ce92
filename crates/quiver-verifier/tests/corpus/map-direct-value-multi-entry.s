; prog_type: socket_filter
; maps: a=array:4:16:4
; what: direct value access into an array with 4 entries
; kernel: reject
; kernel-error: invalid access to map value pointer, value_size=16 off=0
r1 = map_value(0, 0) ll
r0 = 0
exit
