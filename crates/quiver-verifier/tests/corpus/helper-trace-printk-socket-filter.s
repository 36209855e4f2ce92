; prog_type: socket_filter
; what: bpf_trace_printk from a socket filter (a base helper for privileged loaders)
; kernel: accept
r1 = 0x0a6968
*(u32 *)(r10 - 8) = r1
r1 = r10
r1 += -8
r2 = 4
call bpf_trace_printk#6
r0 = 0
exit
