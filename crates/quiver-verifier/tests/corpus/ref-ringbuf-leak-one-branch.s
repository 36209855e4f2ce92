; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; what: a reservation released on one path only
; kernel: reject
; kernel-error: BPF_EXIT instruction in main prog would lead to reference leak
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
r6 = r0
r7 = *(u64 *)(r6 + 0)
if r7 == 0 goto out
r1 = r6
r2 = 0
call bpf_ringbuf_submit#132
out:
r0 = 0
exit
