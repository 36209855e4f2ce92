; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096, a=array:4:8:1
; what: a reservation pointer stored into a map value (privileged), then submitted
; kernel: accept
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
r6 = r0
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(1) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto rel
*(u64 *)(r0 + 0) = r6
rel:
r1 = r6
r2 = 0
call bpf_ringbuf_submit#132
out:
r0 = 0
exit
