; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: bpf_iter_num_next on a stack slot never initialised by bpf_iter_num_new
; kernel: reject
; kernel-error: expected an initialized iter_num as arg #0
*(u64 *)(r10 - 8) = 0
loop:
r1 = r10
r1 += -8
call kfunc#1
if r0 == 0 goto done
goto loop
done:
r0 = 0
exit
