; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: bpf_ringbuf_submit of the reservation pointer plus 8
; kernel: reject
; kernel-error: R1 must have zero offset when passed to release func or trusted arg to kfunc
r1 = map_fd(0) ll
r2 = 16
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
r0 += 8
r1 = r0
r2 = 0
call bpf_ringbuf_submit#132
out:
r0 = 0
exit
