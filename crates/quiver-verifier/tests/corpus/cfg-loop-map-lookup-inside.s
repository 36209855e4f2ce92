; prog_type: socket_filter
; maps: a=array:4:8:4
; what: a loop of 4 iterations doing a map lookup each time
; kernel: accept
r6 = 0
L:
*(u32 *)(r10 - 4) = r6
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto next
r1 = *(u64 *)(r0 + 0)
next:
r6 += 1
if r6 < 4 goto L
r0 = 0
exit
