; prog_type: socket_filter
; maps: rb=ringbuf:0:0:4096
; btf: func_info
; what: the reservation is submitted by a subprogram
; kernel: accept
r1 = map_fd(0) ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
if r0 == 0 goto out
r1 = r0
call sub
out:
r0 = 0
exit
sub:
r2 = 0
call bpf_ringbuf_submit#132
r0 = 0
exit
