; prog_type: syscall
; prog_flags: sleepable
; maps: rb=ringbuf:0:0:4096
; what: a sleepable syscall program writes to a ring buffer
; kernel: accept
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = 8
r4 = 0
r1 = map_fd(0) ll
call bpf_ringbuf_output#130
r0 = 0
exit
