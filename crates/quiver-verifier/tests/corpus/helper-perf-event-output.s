; prog_type: kprobe
; maps: events=perf_event_array:4:4:2
; what: bpf_perf_event_output of 8 stack bytes to a perf_event_array
; kernel: accept
*(u64 *)(r10 - 8) = 0
r2 = map_fd(0) ll
r3 = 0xffffffff ll
r4 = r10
r4 += -8
r5 = 8
call bpf_perf_event_output#25
r0 = 0
exit
