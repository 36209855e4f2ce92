; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: bpf_ringbuf_reserve, null check, bpf_ringbuf_discard
; kernel: accept
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
r1 = r0
r2 = 0
call bpf_ringbuf_discard#133
out:
r0 = 0
exit
