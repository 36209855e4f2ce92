; prog_type: kprobe
; what: bpf_trace_printk with a 4-byte format on the stack
; kernel: accept
r1 = 0x0a6968
*(u32 *)(r10 - 8) = r1
r1 = r10
r1 += -8
r2 = 4
call bpf_trace_printk#6
r0 = 0
exit
