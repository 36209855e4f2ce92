; prog_type: socket_filter
; maps: a=array:4:8:1
; what: bpf_ringbuf_reserve on an array map
; kernel: reject
; kernel-error: cannot pass map_type 2 into func bpf_ringbuf_reserve#131
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
r1 = r0
r2 = 0
call bpf_ringbuf_submit#132
out:
r0 = 0
exit
