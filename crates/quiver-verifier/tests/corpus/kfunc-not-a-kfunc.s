; prog_type: socket_filter
; kfuncs: vfs_read
; what: a call to vfs_read, a kernel function that is not a kfunc
; kernel: reject
; kernel-error: calling kernel function vfs_read is not allowed
r1 = 0
r2 = 0
r3 = 0
r4 = 0
call kfunc#0
r0 = 0
exit
