; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: a ring buffer reservation submitted twice
; kernel: reject
; kernel-error: R1 type=scalar expected=ringbuf_mem
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
r6 = r0
r1 = r6
r2 = 0
call bpf_ringbuf_submit#132
r1 = r6
r2 = 0
call bpf_ringbuf_submit#132
out:
r0 = 0
exit
