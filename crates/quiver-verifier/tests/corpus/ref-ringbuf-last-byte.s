; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: a write to the last of 16 reserved bytes
; kernel: accept
r1 = map_fd(0) ll
r2 = 16
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
*(u8 *)(r0 + 15) = 1
r1 = r0
r2 = 0
call bpf_ringbuf_submit#132
out:
r0 = 0
exit
