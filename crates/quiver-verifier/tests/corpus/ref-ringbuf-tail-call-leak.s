; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096, jmp=prog_array:4:4:4
; what: bpf_tail_call while holding a ring buffer reservation
; kernel: reject
; kernel-error: tail_call would lead to reference leak
r7 = r1
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
r6 = r0
r1 = r7
r2 = map_fd(1) ll
r3 = 0
call bpf_tail_call#12
r1 = r6
r2 = 0
call bpf_ringbuf_discard#133
out:
r0 = 0
exit
