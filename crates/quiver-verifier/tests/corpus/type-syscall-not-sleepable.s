; prog_type: syscall
; what: syscall programs must be loaded sleepable
; kernel: reject
; kernel-error: Syscall programs can only be sleepable
r0 = 0
exit
