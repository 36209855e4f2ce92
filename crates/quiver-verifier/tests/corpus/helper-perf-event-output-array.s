; prog_type: kprobe
; maps: a=array:4:4:2
; what: bpf_perf_event_output to an array map
; kernel: reject
; kernel-error: cannot pass map_type 2 into func bpf_perf_event_output#25
*(u64 *)(r10 - 8) = 0
r2 = map_fd(0) ll
r3 = 0
r4 = r10
r4 += -8
r5 = 8
call bpf_perf_event_output#25
r0 = 0
exit
