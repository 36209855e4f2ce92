; prog_type: socket_filter
; kfuncs: bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy
; what: reading a live iterator's stack slot as data
; kernel: reject
; kernel-error: invalid read from stack off -8+0 size 8
r1 = r10
r1 += -8
r2 = 0
r3 = 10
call kfunc#0
r6 = *(u64 *)(r10 - 8)
r1 = r10
r1 += -8
call kfunc#2
r0 = 0
exit
