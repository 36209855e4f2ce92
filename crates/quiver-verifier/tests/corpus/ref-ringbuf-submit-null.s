; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: bpf_ringbuf_submit of a reservation that may be NULL
; kernel: reject
; kernel-error: R1 type=ringbuf_mem_or_null expected=ringbuf_mem
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
r1 = r0
r2 = 0
call bpf_ringbuf_submit#132
r0 = 0
exit
