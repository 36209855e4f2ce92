; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: a write into a ring buffer reservation without the null check
; kernel: reject
; kernel-error: R0 invalid mem access 'ringbuf_mem_or_null'
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
*(u64 *)(r0 + 0) = 1
r1 = r0
r2 = 0
call bpf_ringbuf_submit#132
r0 = 0
exit
