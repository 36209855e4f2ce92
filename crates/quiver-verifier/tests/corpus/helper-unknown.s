; prog_type: socket_filter
; what: a call to helper 999, which does not exist
; kernel: reject
; kernel-error: invalid func unknown#999
call 999
r0 = 0
exit
