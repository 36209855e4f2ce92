; prog_type: syscall
; prog_flags: sleepable
; maps: q=queue:0:8:4
; what: a sleepable syscall program uses a queue map (accepted, although the error message for other maps names only array, hash, ringbuf and local storage)
; kernel: accept
r2 = r10
r2 += -8
r1 = map_fd(0) ll
call bpf_map_pop_elem#88
r0 = 0
exit
