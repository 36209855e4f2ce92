; prog_type: syscall
; prog_flags: sleepable
; maps: e=perf_event_array:4:4:2
; what: a sleepable syscall program refers to a perf_event_array
; kernel: reject
; kernel-error: Sleepable programs can only use array, hash, ringbuf and local storage maps
r1 = map_fd(0) ll
r0 = 0
exit
