; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: two nested open-coded iterators on different stack slots
; kernel: accept
r1 = r10
r1 += -8
r2 = 0
r3 = 10
call kfunc#0
outer:
r1 = r10
r1 += -8
call kfunc#1
if r0 == 0 goto done
r1 = r10
r1 += -16
r2 = 0
r3 = 4
call kfunc#0
inner:
r1 = r10
r1 += -16
call kfunc#1
if r0 == 0 goto inner_done
goto inner
inner_done:
r1 = r10
r1 += -16
call kfunc#2
goto outer
done:
r1 = r10
r1 += -8
call kfunc#2
r0 = 0
exit
