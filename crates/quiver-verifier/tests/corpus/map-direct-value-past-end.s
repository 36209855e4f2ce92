; prog_type: socket_filter
; maps: a=array:4:16:1
; what: direct value access at offset 12, then an 8-byte read there runs past the value
; kernel: reject
; kernel-error: invalid access to map value, value_size=16 off=12 size=8
r1 = map_value(0, 12) ll
r0 = *(u64 *)(r1 + 0)
r0 = 0
exit
