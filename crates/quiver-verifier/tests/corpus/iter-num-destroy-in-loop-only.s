; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: the iterator is destroyed inside the loop body but the loop exit leaks it
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
r1 = r10
r1 += -8
call kfunc#2
goto out2
done:
out2:
r0 = 0
exit
