; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: bpf_ringbuf_output of 8 stack bytes
; kernel: accept
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = 8
r4 = 0
r1 = map_fd(0) ll
call bpf_ringbuf_output#130
r0 = 0
exit
