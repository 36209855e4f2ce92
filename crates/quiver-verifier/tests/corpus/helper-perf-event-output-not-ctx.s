; prog_type: kprobe
; maps: events=perf_event_array:4:4:2
; what: bpf_perf_event_output with a stack pointer where the ctx goes
; kernel: reject
; kernel-error: R1 type=fp expected=ctx
*(u64 *)(r10 - 8) = 0
r1 = r10
r1 += -8
r2 = map_fd(0) ll
r3 = 0
r4 = r10
r4 += -8
r5 = 8
call bpf_perf_event_output#25
r0 = 0
exit
