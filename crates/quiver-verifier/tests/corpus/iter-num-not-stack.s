; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; maps: a=array:4:8:1
; what: bpf_iter_num_new on a map value instead of the stack
; kernel: reject
; kernel-error: arg#0 expected pointer to an iterator on stack
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r1 = r0
r2 = 0
r3 = 10
call kfunc#0
out:
r0 = 0
exit
