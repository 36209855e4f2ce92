; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: an open-coded iterator never destroyed
; kernel: reject
; kernel-error: BPF_EXIT instruction in main prog would lead to reference leak
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
goto loop
done:
r0 = 0
exit
