; prog_type: kprobe
; maps: rb=ringbuf:0:0:4096
; what: a ring buffer record as the destination of bpf_probe_read_kernel
; kernel: accept
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
r6 = r0
r1 = r6
r2 = 8
r3 = 0
call bpf_probe_read_kernel#113
r1 = r6
r2 = 0
call bpf_ringbuf_submit#132
out:
r0 = 0
exit
