; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: bpf_ringbuf_reserve with a size that is not a constant
; kernel: reject
; kernel-error: R2 is not a known constant'
r1 = map_fd(0) ll
r2 = *(u32 *)(r1 + 0)
r2 &= 0xff
r1 = map_fd(0) ll
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
r1 = r0
r2 = 0
call bpf_ringbuf_submit#132
out:
r0 = 0
exit
