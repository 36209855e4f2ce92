; prog_type: socket_filter
; what: reading a stack slot never written is allowed for privileged loaders (allow_uninit_stack)
; kernel: accept
r0 = *(u64 *)(r10 - 8)
exit
