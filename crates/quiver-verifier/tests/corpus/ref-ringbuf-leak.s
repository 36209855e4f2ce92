; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: a ring buffer reservation never submitted or discarded
; kernel: reject
; kernel-error: BPF_EXIT instruction in main prog would lead to reference leak
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
*(u64 *)(r0 + 0) = 1
out:
r0 = 0
exit
