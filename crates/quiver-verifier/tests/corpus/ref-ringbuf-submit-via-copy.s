; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: the null check and the submit use a copy of the reservation pointer
; kernel: accept
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
r6 = r0
if r6 == 0 goto out
r1 = r6
r2 = 0
call bpf_ringbuf_submit#132
out:
r0 = 0
exit
