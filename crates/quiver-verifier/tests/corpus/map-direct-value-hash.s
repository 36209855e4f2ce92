; prog_type: socket_filter
; maps: h=hash:4:16:1
; what: direct value access into a hash map
; kernel: reject
; kernel-error: no direct value access support for this map type
r1 = map_value(0, 0) ll
r0 = 0
exit
