; prog_type: syscall
; prog_flags: sleepable
; maps: p=prog_array:4:4:4
; what: a sleepable syscall program whose prog_array use is in a subprogram
; kernel: reject
; kernel-error: Sleepable programs can only use array, hash, ringbuf and local storage maps
call sub
r0 = 0
exit
sub:
r1 = map_fd(0) ll
r0 = 0
exit
