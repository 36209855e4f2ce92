; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; maps: a=array:4:8:1
; what: an element of bpf_iter_num (in [0, 10) at run time) is unknown to the verifier: it cannot index a map value unchecked
; kernel: reject
; kernel-error: R0 unbounded memory access, make sure to bounds check any such access
r1 = r10
r1 += -8
r2 = 0
r3 = 10
call kfunc#0
loop:
r1 = r10
r1 += -8
call kfunc#1
if r0 == 0 goto done
r6 = *(u32 *)(r0 + 0)
r1 = 0
*(u32 *)(r10 - 16) = r1
r2 = r10
r2 += -16
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto loop
r0 += r6
r0 = *(u8 *)(r0 + 0)
goto loop
done:
r1 = r10
r1 += -8
call kfunc#2
r0 = 0
exit
