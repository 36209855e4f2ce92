; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: a reservation pointer spilled to the stack and filled back before the submit
; kernel: accept
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
*(u64 *)(r10 - 8) = r0
r0 = *(u64 *)(r10 - 8)
r1 = r0
r2 = 0
call bpf_ringbuf_submit#132
out:
r0 = 0
exit
