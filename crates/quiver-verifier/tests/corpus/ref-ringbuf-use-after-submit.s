; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: a write into a ring buffer record after it was submitted
; kernel: reject
; kernel-error: R6 invalid mem access 'scalar'
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
r6 = r0
r1 = r0
r2 = 0
call bpf_ringbuf_submit#132
*(u64 *)(r6 + 0) = 1
out:
r0 = 0
exit
