; prog_type: socket_filter
; maps: a=array:4:8:1
; what: bpf_ringbuf_output on an array map
; kernel: reject
; kernel-error: cannot pass map_type 2 into func bpf_ringbuf_output#130
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = 8
r4 = 0
r1 = map_fd(0) ll
call bpf_ringbuf_output#130
r0 = 0
exit
