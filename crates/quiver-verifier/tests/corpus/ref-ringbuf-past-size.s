; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: a write past the 8 reserved bytes of a ring buffer record
; kernel: reject
; kernel-error: invalid access to memory, mem_size=8 off=8 size=8
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
*(u64 *)(r0 + 8) = 1
r1 = r0
r2 = 0
call bpf_ringbuf_submit#132
out:
r0 = 0
exit
