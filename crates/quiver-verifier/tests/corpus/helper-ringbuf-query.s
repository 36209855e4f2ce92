; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: bpf_ringbuf_query on a ring buffer
; kernel: accept
r1 = map_fd(0) ll
r2 = 0
call bpf_ringbuf_query#134
r0 = 0
exit
