; prog_type: syscall
; prog_flags: sleepable
; maps: st=stack_trace:4:64:16
; what: a sleepable syscall program refers to a stack_trace map
; kernel: reject
; kernel-error: Sleepable programs can only use array, hash, ringbuf and local storage maps
r1 = map_fd(0) ll
r0 = 0
exit
