; prog_type: socket_filter
; maps: values=array:4:8:1
; what: arithmetic on a map pointer (not a map value)
; kernel: reject
; kernel-error: R1 pointer arithmetic on map_ptr prohibited
r1 = map_fd(0) ll
r1 += 8
r0 = 0
exit
